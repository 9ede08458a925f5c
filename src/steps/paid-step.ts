// The protocol around one paid step, for every kind: one process at a time per key (the mutex), made by
// another render meanwhile, else made with retries (through the remote cache's claims), and what went wrong.
import { acquireMutex } from "../cache/mutex.js";
import type { EntryRef } from "../cache/remote/entries.js";
import { failureText } from "../cache/writable.js";
import { NotStartedError, ProviderError, RunError } from "../errors.js";
import type { ProviderContext } from "../providers/types.js";
import { makeStep } from "./make-step.js";
import type { StepRun } from "./kind.js";

export type PaidResult<T, C> =
  | { from: "meanwhile"; cached: C }
  | { from: "remote"; cached: C | undefined }
  | { from: "made"; value: T }
  | { from: "skipped"; why: string }
  | { from: "failed"; why: string };

export interface PaidStep<T, C> {
  // The step's key and where its output lives (the remote cache's claim and entry name it too).
  entry: EntryRef & { step: string };
  ctx: ProviderContext;
  // "is generating this clip": what a render waiting on another's mutex is told.
  waiting: string;
  // The output, when it is in the store and intact.
  cached(): Promise<C | undefined>;
  make(ctx: ProviderContext): Promise<T>;
}

// Says what every kind says alike: an output from the bucket, one made (its request id and cost), a failure.
export async function runPaidStep<T extends { request_id?: string; cost: number }, C>(
  p: PaidStep<T, C>,
  run: StepRun,
): Promise<PaidResult<T, C>> {
  const mutex = await acquireMutex(p.ctx.paths.mutex(p.entry.key), {
    onWait: (owner) =>
      p.ctx.update({ state: "waiting", detail: `another render (pid ${owner.pid}) ${p.waiting}` }),
  });
  try {
    const meanwhile = await p.cached();
    if (meanwhile !== undefined) return { from: "meanwhile", cached: meanwhile };
    const made = await makeStep(p.make, p.ctx, run.retry, run.remote, p.entry);
    if (made.from === "remote") {
      const cached = await p.cached();
      if (cached !== undefined) p.ctx.update({ state: "cached", detail: "from the remote cache" });
      return { from: "remote", cached };
    }
    const { request_id, cost } = made.value;
    p.ctx.update({ state: "done", ...(request_id && { request_id }), cost });
    return { from: "made", value: made.value };
  } catch (err) {
    if (err instanceof NotStartedError) return { from: "skipped", why: err.message };
    // A provider's refusal, or a stand-in ffmpeg could not make, is said as it is; anything else is a bug.
    const why = err instanceof ProviderError || err instanceof RunError ? err.message : failureText(err);
    p.ctx.update({ state: "failed", error: why });
    return { from: "failed", why };
  } finally {
    await mutex.release();
  }
}
