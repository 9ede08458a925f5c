// What voice-overs and music beds share: made once from the model input the plan keyed, measured, stored as
// sounds. Neither waits for another step, so each starts at once.
import { verified } from "../../cache/artifacts/index.js";
import { paysFor, type ShotStatus } from "../../plan/plan.js";
import { soundKeyMaterial, soundSpecs } from "../../plan/sound-steps.js";
import type { PlannedStep } from "../../plan/steps.js";
import type { ProviderContext, SoundJob, StepUpdate } from "../../providers/types.js";
import { runPaidStep } from "../paid-step.js";
import type { Made, StepRun } from "../kind.js";
import { stepDone, stepFailed } from "./outcomes.js";

export async function runSound(step: PlannedStep, run: StepRun, standIn: SoundJob["standIn"]): Promise<Made> {
  const spec = soundSpecs(run.storyboard).find((s) => s.id === step.id)!;
  const label = run.labelOf(step);
  const shot = run.storyboard.shots.find((s) => s.id === spec.shot);
  const job: SoundJob = {
    key: step.key,
    kind: spec.kind,
    standIn,
    label,
    model: spec.model,
    input: spec.input,
    text:
      shot?.voiceover?.text ??
      (run.storyboard.music?.source.kind === "prompt" ? run.storyboard.music.source.prompt : ""),
    ...(standIn === "bed" && {
      seconds: Number(Object.values(spec.input).find((v) => typeof v === "number")),
    }),
    cost: step.cost,
    priced: paysFor(step.status as ShotStatus, run.context),
    keyMaterial: soundKeyMaterial(spec, run.provider.id),
  };
  const update = (u: StepUpdate) => run.update(label, step.key, [], u);
  const ctx: ProviderContext = { ...run.context, slots: run.slots(step), update };
  if (ctx.stopSubmitting.aborted) return stepFailed(step, run, "skipped", "interrupted before it started");
  update({ state: "queued", ...(step.reason && { detail: step.reason }) });
  const result = await runPaidStep(
    {
      entry: { key: step.key, kind: "sound", step: label },
      ctx,
      waiting: "is making it",
      cached: async () => {
        const got = await verified(ctx.paths, "sound", step.key);
        return got.ok ? got.file : undefined;
      },
      make: (c) => run.provider.sound(job, c),
    },
    run,
  );
  switch (result.from) {
    case "meanwhile":
      update({ state: "cached", detail: "made by another render meanwhile" });
      return stepDone(step, run, "cached", { path: result.cached });
    case "remote":
      if (!result.cached)
        return stepFailed(step, run, "failed", `the ${label} fetched from the remote cache is not readable`);
      return stepDone(step, run, "cached", { path: result.cached });
    case "made": {
      const sidecar = result.value;
      return stepDone(
        step,
        run,
        "generated",
        { path: ctx.paths.sound(step.key, sidecar.format) },
        sidecar.cost,
      );
    }
    case "skipped":
      return stepFailed(step, run, "skipped", result.why);
    case "failed":
      return stepFailed(step, run, "failed", result.why, true);
  }
}

// A sound is never another step's input; a cached one is only checked before the render (sound-preflight).
export async function cachedSoundInput(step: PlannedStep, run: StepRun): Promise<Made> {
  const found = await verified(run.context.paths, "sound", step.key);
  return found.ok ? { ok: true, file: found.file } : { ok: false, why: "not cached", root: step.name };
}
