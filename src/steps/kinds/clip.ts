// A clip: a shot's video, made by the video model from its prompt and its start (and end) image, which may be
// stills or frames other steps make. Shots with the same key share one clip (duplicates).
import { readSidecar, verified } from "../../cache/artifacts/index.js";
import { paysFor, type ShotStatus } from "../../plan/plan.js";
import { failureText } from "../../cache/writable.js";
import { inputsOf, stepId, type PlannedStep } from "../../plan/steps.js";
import { refetch } from "../../providers/refetch.js";
import type { ProviderContext, StepUpdate } from "../../providers/types.js";
import type { ImageRef } from "../../storyboard/types.js";
import { runPaidStep } from "../paid-step.js";
import { blockedText } from "./outcomes.js";
import type { ClipOutcome, Made, StepKind, StepRun } from "../kind.js";

export const clip: StepKind = {
  name: "clip",
  artifact: "clip",
  prefix: "shot",
  paid: true,
  label: (name) => name,
  noun: "clip",
  run: runClip,
  lock: {
    order: 1,
    model: (step, board) => shotOf(step, board).model.endpoint,
    family: (step, board) => {
      const { endpoint, family, mode } = shotOf(step, board).model;
      return { endpoint, family, mode };
    },
    fact: "duration",
  },
  takesOf: (step, plan) => plan.shots.find((s) => s.id === shotId(step)),
  started(step, run) {
    const shots = shotsOf(step, run);
    const detail = isVariant(step) ? undefined : step.reason;
    run.update(shots[0]!, step.key, shots, { state: "queued", ...(detail && { detail }) });
  },
  cachedInput: cachedClipInput,
};

// A cached clip when another step needs it (a frame, a pass): it must be the clip that was paid for, so its bytes
// are checked, and fetched again (free) when bad.
export async function cachedClipInput(step: PlannedStep, run: StepRun): Promise<Made> {
  const paths = run.context.paths;
  if (step.status !== "cached")
    return { ok: false, why: "its clip is not cached, and --only leaves it out", root: step.name };
  const check = await verified(paths, "clip", step.key);
  if (check.ok || (await refetch(paths, "clip", step.key))) return { ok: true, file: paths.clip(step.key) };
  return {
    ok: false,
    why: `its cached clip is damaged (${check.why}); render again to replace it`,
    root: step.name,
  };
}

// The shot's name for its events: "arrival", or "arrival take 2" for another take; with its duplicates.
// Another take runs as a variant step, "shot:arrival#2" named "arrival take 2".
function shotsOf(step: PlannedStep, run: StepRun): string[] {
  if (isVariant(step)) return [step.name];
  return [step.name, ...run.plan.shots.filter((s) => s.duplicate_of === step.name).map((s) => s.id)];
}

const isVariant = (step: PlannedStep) => step.id.includes("#");
const shotOf = (step: PlannedStep, board: StepRun["storyboard"]) =>
  board.shots.find((s) => s.id === shotId(step))!;
const shotId = (step: PlannedStep) => step.id.slice("shot:".length).split("#")[0]!;

async function runClip(step: PlannedStep, inputs: ReadonlyMap<string, Made>, run: StepRun): Promise<Made> {
  const shots = shotsOf(step, run);
  try {
    return await makeClip(step, shots, inputs, run);
  } catch (err) {
    const error = failureText(err);
    run.update(shots[0]!, step.key, shots, { state: "failed", error });
    run.clip({ key: step.key, shots, status: "failed", error });
    return { ok: false, why: error, root: step.name };
  }
}

async function makeClip(
  step: PlannedStep,
  shots: string[],
  inputs: ReadonlyMap<string, Made>,
  run: StepRun,
): Promise<Made> {
  const label = shots[0]!;
  const planned = run.plan.shots.find((s) => s.id === shotId(step))!;
  const shot = run.storyboard.shots[planned.index]!;
  const emit = (u: StepUpdate) => run.update(label, step.key, shots, u);
  const finish = (
    status: ClipOutcome["status"],
    extra: Pick<ClipOutcome, "error" | "sidecar"> = {},
  ): Made => {
    run.clip({ key: step.key, shots, status, ...extra });
    return status === "generated" || status === "cached"
      ? { ok: true as const, file: run.context.paths.clip(step.key) }
      : { ok: false as const, why: extra.error ?? status, root: step.name };
  };
  const refs = inputsOf(shot);
  const blocked = refs.map((i) => inputs.get(stepId(i)!)!).find((m) => !m.ok);
  if (blocked && !blocked.ok) {
    const error = blockedText(blocked);
    emit({ state: "failed", error });
    return finish("failed", { error });
  }
  const made = (image: ImageRef | undefined) => {
    const id = image && stepId(image);
    return id ? (inputs.get(id) as Extract<Made, { ok: true }>).image! : image;
  };
  const job = {
    key: step.key,
    shot: {
      ...shot,
      ...(shot.image && { image: made(shot.image)! }),
      ...(shot.endImage && { endImage: made(shot.endImage)! }),
      ...(shot.references && { references: shot.references.map((r) => ({ ...r, image: made(r.image)! })) }),
    },
    model: shot.model,
    cost: step.cost,
    priced: paysFor(step.status as ShotStatus, run.context),
  };
  if (run.context.stopSubmitting.aborted) {
    emit({ state: "skipped", detail: "interrupted before it started" });
    return finish("skipped", { error: "interrupted before it started" });
  }
  const ctx: ProviderContext = { ...run.context, slots: run.slots(step), update: emit };
  const result = await runPaidStep(
    {
      entry: { key: step.key, kind: "clip", step: label },
      ctx,
      waiting: "is generating this clip",
      cached: async () => {
        const existing = await verified(ctx.paths, "clip", step.key);
        return existing.ok ? existing.sidecar : undefined;
      },
      make: (c) => run.provider.generate(job, c),
    },
    run,
  );
  switch (result.from) {
    case "meanwhile":
      emit({ state: "cached", detail: "made by another render meanwhile" });
      return finish("cached", { sidecar: result.cached });
    case "remote": {
      // The bucket's record was checked as it came in: a clip this check does not take is still cached.
      if (!result.cached) emit({ state: "cached", detail: "from the remote cache" });
      const fetched = result.cached ?? (await readSidecar(ctx.paths, "clip", step.key));
      return finish("cached", fetched ? { sidecar: fetched } : {});
    }
    case "made":
      return finish("generated", { sidecar: result.value });
    case "skipped":
      emit({ state: "skipped", detail: result.why });
      return finish("skipped", { error: result.why });
    case "failed":
      return finish("failed", { error: result.why });
  }
}
