// Generate stage: every `generate` entry of the plan becomes a cached clip, at most `concurrency` at a time.
import pLimit from "p-limit";
import { acquireLock } from "../cache/lock.js";
import { verifyClip, type ClipSidecar } from "../cache/store.js";
import { isClipJob, type Plan } from "../plan/plan.js";
import type { Storyboard } from "../storyboard/types.js";
import type { ClipJob, ClipProvider, ProviderContext, ShotUpdate, Slots } from "../providers/types.js";
import { NotStartedError, ProviderError } from "../errors.js";
import { DEFAULT_RETRY, withRetries, type RetryPolicy } from "./retry.js";

export interface ShotEvent extends ShotUpdate {
  time: number;
  shot: string;
  // Shots sharing this clip (duplicates), first one first.
  shots: string[];
  key: string;
  cost?: number;
  error?: string;
}

export interface ClipOutcome {
  key: string;
  shots: string[];
  status: "generated" | "cached" | "failed" | "skipped";
  sidecar?: ClipSidecar;
  error?: string;
}

export interface GenerateOptions {
  plan: Plan;
  storyboard: Storyboard;
  provider: ClipProvider;
  context: Omit<ProviderContext, "update" | "slots">;
  concurrency: number;
  retry?: RetryPolicy;
  onEvent: (event: ShotEvent) => void;
}

// p-limit as a semaphore: a slot is held while fal works on a clip, and given back before the download,
// so the next shot is submitted while the last one is still being fetched and checked.
export function slots(concurrency: number): Slots {
  const limit = pLimit(concurrency);
  return {
    acquire: () =>
      new Promise((granted) => void limit(() => new Promise<void>((release) => granted(release)))),
  };
}

export async function generateClips(o: GenerateOptions): Promise<ClipOutcome[]> {
  // Collected and blocked shots go to the provider too: it reattaches to the journaled request, or explains.
  const jobs = o.plan.shots.filter((s) => isClipJob(s.status));
  const seating = collectorsFirst(slots(o.concurrency), jobs.filter((s) => s.status === "collect").length);
  return Promise.all(
    jobs.map((planned) => {
      const collector = planned.status === "collect" ? seating.collector() : undefined;
      const shots = [
        planned.id,
        ...o.plan.shots.filter((s) => s.duplicate_of === planned.id).map((s) => s.id),
      ];
      const shot = o.storyboard.shots[planned.index]!;
      const emit = (u: ShotUpdate & { error?: string; cost?: number }) =>
        o.onEvent({ time: o.context.clock.now(), shot: planned.id, shots, key: planned.key, ...u });
      emit({ state: "queued", ...(planned.reason && { detail: planned.reason }) });
      const outcome = runJob(
        {
          key: planned.key,
          shot,
          model: o.storyboard.model,
          cost: planned.cost,
          priced: planned.status !== "collect",
        },
        shots,
        emit,
        o,
        collector ?? seating.newcomer,
      );
      return outcome.finally(() => collector?.settle());
    }),
  );
}

// Requests an earlier run submitted are already using the account's concurrency at fal, so they take their
// slots before any new submit does. A collector that ends without a slot (cached meanwhile, failed) is
// counted as seated when its job settles.
function collectorsFirst(shared: Slots, collectors: number) {
  let seated = 0;
  let allSeated!: () => void;
  const ready = new Promise<void>((resolve) => (allSeated = resolve));
  const seat = () => {
    seated += 1;
    if (seated >= collectors) allSeated();
  };
  if (collectors === 0) allSeated();
  return {
    newcomer: { acquire: async () => ready.then(() => shared.acquire()) } satisfies Slots,
    collector: (): Slots & { settle(): void } => {
      let done = false;
      const once = () => {
        if (done) return;
        done = true;
        seat();
      };
      return {
        acquire: () => shared.acquire().finally(once),
        settle: once,
      };
    },
  };
}

async function runJob(
  job: ClipJob,
  shots: string[],
  emit: (u: ShotUpdate & { error?: string; cost?: number }) => void,
  o: GenerateOptions,
  shared: Slots,
): Promise<ClipOutcome> {
  const ctx: ProviderContext = { ...o.context, slots: shared, update: emit };
  if (o.context.stopSubmitting.aborted) {
    emit({ state: "skipped", detail: "interrupted before it started" });
    return { key: job.key, shots, status: "skipped", error: "interrupted before it started" };
  }
  const lock = await acquireLock(ctx.paths.lock(job.key), {
    onWait: (owner) =>
      emit({ state: "waiting", detail: `another render (pid ${owner.pid}) is generating this clip` }),
  });
  try {
    const existing = await verifyClip(ctx.paths, job.key);
    if (existing.ok) {
      emit({ state: "cached", detail: "made by another render meanwhile" });
      return { key: job.key, shots, status: "cached", sidecar: existing.sidecar };
    }
    const sidecar = await withRetries(() => o.provider.generate(job, ctx), {
      policy: o.retry ?? DEFAULT_RETRY,
      clock: ctx.clock,
      onRetry: (err, wait, attempt) =>
        emit({
          state: "retrying",
          detail: `attempt ${attempt} failed (${err.message}); retrying in ${(wait / 1000).toFixed(1)} s`,
        }),
    });
    emit({
      state: "done",
      ...(sidecar.request_id && { request_id: sidecar.request_id }),
      cost: sidecar.cost,
    });
    return { key: job.key, shots, status: "generated", sidecar };
  } catch (err) {
    if (err instanceof NotStartedError) {
      emit({ state: "skipped", detail: err.message });
      return { key: job.key, shots, status: "skipped", error: err.message };
    }
    const message =
      err instanceof ProviderError ? err.message : `unexpected error: ${(err as Error).stack ?? String(err)}`;
    emit({ state: "failed", error: message });
    return { key: job.key, shots, status: "failed", error: message };
  } finally {
    await lock.release();
  }
}
