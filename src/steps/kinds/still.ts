// A still: an image a text-to-image model makes from a prompt. An edit (edit.ts) is a still made from
// references; both are stored as stills and feed clips and other edits.
import { outputFile, verified } from "../../cache/artifacts/index.js";
import type { CachePaths } from "../../cache/layout.js";
import { stillKeyMaterial } from "../../plan/graph-keys.js";
import { paysFor, type ShotStatus } from "../../plan/plan.js";
import type { PlannedStep } from "../../plan/steps.js";
import { refetch } from "../../providers/refetch.js";
import type { ProviderContext, StepUpdate } from "../../providers/types.js";
import type { ImageRef } from "../../storyboard/types.js";
import { runPaidStep } from "../paid-step.js";
import type { Made, StepKind, StepRun } from "../kind.js";
import { blockedText, fileImage, stepFailed, stepDone } from "./outcomes.js";

export const still: StepKind = {
  name: "still",
  artifact: "still",
  prefix: "still",
  paid: true,
  label: (name) => `still ${name}`,
  noun: "still",
  run: runStill,
  lock: {
    order: 0,
    model: (step, board) => board.stills.find((s) => s.name === step.name)!.model.endpoint,
    fact: "size",
  },
  async cachedInput(step, run) {
    const cached = await cachedOrRefetched(step, run);
    if (cached) return stepDone(step, run, "cached", cached);
    // Damaged after the render's check (it checks the stills it reads): said so, and made again next time.
    if (step.status === "cached")
      return stepFailed(step, run, "failed", `its cached image is damaged; render again to replace it`);
    return stepFailed(step, run, "skipped", `still ${step.name} is not cached, and --only leaves it out`);
  },
};

async function cachedOrRefetched(step: PlannedStep, run: StepRun) {
  const paths = run.context.paths;
  // A paid still whose bytes went bad is fetched again from fal's URL first (free), as clips are.
  const found =
    (await cachedStill(paths, step.key)) ??
    ((await refetch(paths, "still", step.key)) ? await cachedStill(paths, step.key) : undefined);
  return found && stillImage(step, found.file, found.sidecar);
}

function stillImage(step: PlannedStep, file: string, sidecar: Parameters<typeof fileImage>[2]) {
  return { ...fileImage(`still ${step.name}`, file, sidecar), identity: { still: step.key } };
}

// A take's step is named "keeper take 2"; its spec and the images it makes are the still's.
function baseName(step: PlannedStep): string {
  return step.id.slice("still:".length).split("#")[0]!;
}

async function runStill(step: PlannedStep, inputs: ReadonlyMap<string, Made>, run: StepRun): Promise<Made> {
  const name = baseName(step);
  const spec = run.storyboard.stills.find((s) => s.name === name)!;
  const cached = await cachedOrRefetched(step, run);
  if (cached) return stepDone(step, run, "cached", cached);
  const blocked = [...inputs.values()].find((m) => !m.ok);
  if (blocked && !blocked.ok)
    return stepFailed(step, run, "failed", blockedText(blocked), false, blocked.root);
  const label = `still ${step.name}`;
  const update = (u: StepUpdate) => run.update(label, step.key, [], u);
  const ctx: ProviderContext = { ...run.context, slots: run.slots(step), update };
  if (ctx.stopSubmitting.aborted) return stepFailed(step, run, "skipped", "interrupted before it started");
  update({ state: "queued", ...(step.reason && { detail: step.reason }) });
  const identity = (i: ImageRef): Record<string, string> => {
    if (i.kind === "file") return i.identity ?? { sha256: i.sha256 };
    if (i.kind === "url") return { url: i.url };
    return { still: run.plan.steps.find((s) => s.id === `still:${(i as { still: string }).still}`)!.key };
  };
  const references = spec.references.map((r) =>
    r.kind === "still" ? (inputs.get(`still:${r.still}`) as Extract<Made, { ok: true }>).image! : r,
  );
  const job = {
    key: step.key,
    still: spec,
    references,
    cost: step.cost,
    priced: paysFor(step.status as ShotStatus, run.context),
    // The same material the plan hashed into this step's key, so a later plan can say what changed.
    keyMaterial: stillKeyMaterial(spec, run.provider.id, identity),
    videoModel: run.storyboard.model,
  };
  const result = await runPaidStep(
    {
      entry: { key: step.key, kind: "still", step: label },
      ctx,
      waiting: "is making this still",
      cached: async () => {
        const found = await cachedStill(ctx.paths, step.key);
        return found && stillImage(step, found.file, found.sidecar);
      },
      make: (c) => run.provider.still(job, c),
    },
    run,
  );
  switch (result.from) {
    case "meanwhile":
      return stepDone(step, run, "cached", result.cached);
    case "remote":
      if (!result.cached)
        return stepFailed(step, run, "failed", "the still fetched from the remote cache is not readable");
      return stepDone(step, run, "cached", result.cached);
    case "made": {
      const sidecar = result.value;
      const file = outputFile(ctx.paths, "still", step.key, sidecar);
      return stepDone(step, run, "generated", stillImage(step, file, sidecar), sidecar.cost);
    }
    case "skipped":
      return stepFailed(step, run, "skipped", result.why);
    case "failed":
      return stepFailed(step, run, "failed", result.why, true);
  }
}

async function cachedStill(paths: CachePaths, key: string) {
  const got = await verified(paths, "still", key);
  return got.ok ? got : undefined;
}
