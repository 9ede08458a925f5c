// What a clip provider is given and what it reports while it works.
import type { CachePaths } from "../cache/layout.js";
import type { ClipSidecar } from "../cache/store.js";
import type { MediaTools } from "../media/binaries.js";
import type { ModelSpec } from "../models/types.js";
import type { ProviderId } from "../plan/key.js";
import type { Shot } from "../storyboard/types.js";

export interface ClipJob {
  key: string;
  shot: Shot;
  model: ModelSpec;
  cost: number;
}

export type ShotState =
  | "queued"
  | "waiting"
  | "uploading"
  | "submitting"
  | "reattaching"
  | "in_queue"
  | "in_progress"
  | "downloading"
  | "retrying"
  | "done"
  | "cached"
  | "failed"
  | "skipped";

export interface ShotUpdate {
  state: ShotState;
  detail?: string;
  log?: string;
  request_id?: string;
}

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

// A place among the `concurrency` jobs allowed to work at the provider at once; release it when fal is done.
export interface Slots {
  acquire(): Promise<() => void>;
}

export interface ProviderContext {
  paths: CachePaths;
  tools: MediaTools;
  clock: Clock;
  // Aborted on the first Ctrl-C: no new submissions, but paid work in flight is collected.
  stopSubmitting: AbortSignal;
  timeoutMs: number;
  slots: Slots;
  update(update: ShotUpdate): void;
}

export interface ClipProvider {
  id: ProviderId;
  generate(job: ClipJob, ctx: ProviderContext): Promise<ClipSidecar>;
}

// A failed attempt at one shot. Transient ones are retried with backoff; permanent ones fail the shot at once.
export class ProviderError extends Error {
  override name = "ProviderError";
  constructor(
    message: string,
    readonly transient: boolean,
    readonly requestId?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

// The run was interrupted before this shot was submitted: nothing was spent on it.
export class NotStartedError extends ProviderError {
  override name = "NotStartedError";
  constructor() {
    super("not started: the run was interrupted", false);
  }
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(resolve, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};
