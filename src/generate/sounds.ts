// The film's sound steps (voice-overs, a generated bed): none waits for another step, so each starts at once,
// under the same slots, per-key locks and retries as stills and clips. Each is made once however many use it.
import { failureText } from "../cache/writable.js";
import { acquireLock } from "../cache/lock.js";
import { cachedSound } from "../cache/legacy-store.js";
import type { RemoteCache } from "../cache/remote/remote-cache.js";
import { NotStartedError, ProviderError, RunError } from "../errors.js";
import { type Plan, paysFor, type ShotStatus } from "../plan/plan.js";
import { soundKeyMaterial, soundSpecs } from "../plan/sound-steps.js";
import type { PlannedStep } from "../plan/steps.js";
import type { ClipProvider, ProviderContext, ShotUpdate, Slots, SoundJob } from "../providers/types.js";
import type { Storyboard } from "../storyboard/types.js";
import { makeStep } from "./make-step.js";
import type { RetryPolicy } from "./retry.js";
import type { StepOutcome } from "./steps.js";

export interface SoundRunOptions {
  plan: Plan;
  storyboard: Storyboard;
  provider: ClipProvider;
  context: Omit<ProviderContext, "update" | "slots">;
  slots: Slots;
  retry?: RetryPolicy;
  remote?: RemoteCache;
  onUpdate(step: PlannedStep, update: ShotUpdate & { error?: string; cost?: number }): void;
  onOutcome(outcome: StepOutcome): void;
}

const makes = (status: string) => status === "generate" || status === "collect" || status === "looking up";

export function soundLabel(step: Pick<PlannedStep, "kind" | "name">): string {
  return step.kind === "music" ? "music bed" : `voice-over ${step.name}`;
}

export async function makeSounds(o: SoundRunOptions): Promise<void> {
  const specs = new Map(soundSpecs(o.storyboard).map((s) => [s.id, s]));
  const steps = o.plan.steps.filter((s) => (s.kind === "voice" || s.kind === "music") && makes(s.status));
  await Promise.all(
    steps.map((step) => {
      const spec = specs.get(step.id)!;
      const shot = o.storyboard.shots.find((s) => s.id === spec.shot);
      const job: SoundJob = {
        key: step.key,
        kind: spec.kind,
        label: soundLabel(step),
        model: spec.model,
        input: spec.input,
        text:
          shot?.voiceover?.text ??
          (o.storyboard.music?.source.kind === "prompt" ? o.storyboard.music.source.prompt : ""),
        ...(spec.kind === "music" && {
          seconds: Number(Object.values(spec.input).find((v) => typeof v === "number")),
        }),
        cost: step.cost,
        priced: paysFor(step.status as ShotStatus, o.context),
        keyMaterial: soundKeyMaterial(spec, o.provider.id),
      };
      return makeSound(step, job, o);
    }),
  );
}

async function makeSound(step: PlannedStep, job: SoundJob, o: SoundRunOptions): Promise<void> {
  const update = (u: ShotUpdate & { error?: string; cost?: number }) => o.onUpdate(step, u);
  const outcome = (status: StepOutcome["status"], extra: Partial<StepOutcome> = {}) =>
    o.onOutcome({ id: step.id, kind: step.kind, name: step.name, key: step.key, status, ...extra });
  const ctx: ProviderContext = { ...o.context, slots: o.slots, update };
  if (ctx.stopSubmitting.aborted) return outcome("skipped", { error: "interrupted before it started" });
  update({ state: "queued", ...(step.reason && { detail: step.reason }) });
  const lock = await acquireLock(ctx.paths.lock(step.key), {
    onWait: (owner) => update({ state: "waiting", detail: `another render (pid ${owner.pid}) is making it` }),
  });
  try {
    const meanwhile = await cachedSound(ctx.paths, step.key);
    if (meanwhile) {
      update({ state: "cached", detail: "made by another render meanwhile" });
      return outcome("cached", { file: meanwhile.file });
    }
    const made = await makeStep((c) => o.provider.sound(job, c), ctx, o.retry, o.remote, {
      key: step.key,
      kind: "sound",
      step: job.label,
    });
    if (made.from === "remote") {
      const fetched = await cachedSound(ctx.paths, step.key);
      if (fetched) {
        update({ state: "cached", detail: "from the remote cache" });
        return outcome("cached", { file: fetched.file });
      }
    }
    if (made.from !== "made")
      throw new ProviderError(`the ${job.label} fetched from the remote cache is not readable`, {
        transient: false,
      });
    const sidecar = made.value;
    update({
      state: "done",
      ...(sidecar.request_id && { request_id: sidecar.request_id }),
      cost: sidecar.cost,
    });
    outcome("generated", { cost: sidecar.cost, file: ctx.paths.sound(step.key, sidecar.format) });
  } catch (err) {
    if (err instanceof NotStartedError) return outcome("skipped", { error: err.message });
    // A provider's refusal, or a stand-in ffmpeg could not make, is said as it is; anything else is a bug.
    const message = err instanceof ProviderError || err instanceof RunError ? err.message : failureText(err);
    update({ state: "failed", error: message });
    outcome("failed", { error: message });
  } finally {
    await lock.release();
  }
}
