// What lip-sync and upscale passes share: a made clip in, a clip out, stored as a clip under the pass's key.
// The provider fits the clip and the voice-over to the pass model's limits before anything is sent.
import { readSidecar, verified } from "../../cache/artifacts/index.js";
import { passChain, type PassLink } from "../../plan/pass-chain.js";
import { passKeyMaterial, voiceLead } from "../../plan/pass-steps.js";
import { paysFor, type ShotStatus } from "../../plan/plan.js";
import type { PlannedStep } from "../../plan/steps.js";
import type { PassJob, ProviderContext, StepUpdate } from "../../providers/types.js";
import { runPaidStep } from "../paid-step.js";
import type { Made, StepKind, StepRun } from "../kind.js";
import { cachedClipInput } from "./clip.js";
import { blockedText, stepDone, stepFailed } from "./outcomes.js";

export function passKind(name: "lipsync" | "upscale", label: (name: string) => string): StepKind {
  return {
    name,
    artifact: "clip",
    prefix: name,
    paid: true,
    finishes: true,
    label,
    noun: name === "lipsync" ? "lip-sync" : "upscale",
    run: runPass,
    lock: {
      // After the stills, the clips and the sounds: a pass follows what it is made from.
      order: 3,
      model: (step, board) => linkOf(step, board).pass.endpoint,
      fact: "duration",
    },
    started(step, run) {
      run.update(run.labelOf(step), step.key, [shotOf(step)], {
        state: "queued",
        ...(step.reason && { detail: step.reason }),
      });
    },
    cachedInput: cachedClipInput,
  };
}

// "warning" of "lipsync:warning" and of "upscale:warning@1080p#2".
const shotOf = (step: PlannedStep) => step.id.slice(step.id.indexOf(":") + 1).split(/[@#]/)[0]!;

function linkOf(step: PlannedStep, board: StepRun["storyboard"]): PassLink {
  const shot = board.shots.find((s) => s.id === shotOf(step))!;
  return passChain(shot).links.find((l) => l.id === step.id.split("#")[0])!;
}

async function runPass(step: PlannedStep, inputs: ReadonlyMap<string, Made>, run: StepRun): Promise<Made> {
  const label = run.labelOf(step);
  const shot = run.storyboard.shots.find((s) => s.id === shotOf(step))!;
  const link = linkOf(step, run.storyboard);
  const videoMade = inputs.get(link.input)!;
  const voiceId = `voice:${shot.id}`;
  const voiceMade = link.kind === "lipsync" ? inputs.get(voiceId) : undefined;
  for (const made of [videoMade, voiceMade])
    if (made && !made.ok) return stepFailed(step, run, "failed", blockedText(made), false, made.root);
  const paths = run.context.paths;
  const videoKey = run.plan.steps.find((s) => s.id === link.input)!.key;
  const voiceKey = run.plan.steps.find((s) => s.id === voiceId)?.key;
  const sidecar = await readSidecar(paths, "clip", videoKey);
  const job: PassJob = {
    key: step.key,
    kind: link.kind,
    label,
    shot: shot.id,
    pass: link.pass,
    video: { key: videoKey, file: paths.clip(videoKey), seconds: sidecar?.duration ?? shot.duration },
    pricedSeconds: shot.duration,
    ...(voiceMade?.ok &&
      voiceKey && { audio: { key: voiceKey, file: voiceMade.file!, lead: voiceLead(shot) } }),
    ...(link.height && { height: link.height }),
    ...(link.syncMode && { syncMode: link.syncMode }),
    cost: step.cost,
    priced: paysFor(step.status as ShotStatus, run.context),
    keyMaterial: passKeyMaterial(link, shot, videoKey, voiceKey, run.provider.id),
  };
  const update = (u: StepUpdate) => run.update(label, step.key, [shot.id], u);
  const ctx: ProviderContext = { ...run.context, slots: run.slots(step), update };
  if (ctx.stopSubmitting.aborted) return stepFailed(step, run, "skipped", "interrupted before it started");
  const result = await runPaidStep(
    {
      entry: { key: step.key, kind: "clip", step: label },
      ctx,
      waiting: "is making this pass",
      cached: async () => {
        const got = await verified(ctx.paths, "clip", step.key);
        return got.ok ? got.file : undefined;
      },
      make: (c) => run.provider.pass(job, c),
    },
    run,
  );
  const file = { path: paths.clip(step.key) };
  switch (result.from) {
    case "meanwhile":
      update({ state: "cached", detail: "made by another render meanwhile" });
      return stepDone(step, run, "cached", file);
    case "remote":
      if (!result.cached)
        return stepFailed(step, run, "failed", `the ${label} fetched from the remote cache is not readable`);
      return stepDone(step, run, "cached", file);
    case "made":
      return stepDone(step, run, "generated", file, result.value.cost);
    case "skipped":
      return stepFailed(step, run, "skipped", result.why);
    case "failed":
      return stepFailed(step, run, "failed", result.why, true);
  }
}
