// Bounded retries with exponential backoff and full jitter, for failures that outlast the fal client's own retries.
import { ProviderError } from "../errors.js";
import type { Clock } from "../util/clock.js";

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseMs: 2000, maxMs: 30000 };

export async function withRetries<T>(
  run: (attempt: number) => Promise<T>,
  options: {
    policy: RetryPolicy;
    clock: Clock;
    onRetry: (err: ProviderError, waitMs: number, attempt: number) => void;
    random?: () => number;
  },
): Promise<T> {
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(attempt);
    } catch (err) {
      const transient = err instanceof ProviderError && err.transient;
      if (!transient || attempt >= options.policy.attempts) throw err;
      const ceiling = Math.min(options.policy.maxMs, options.policy.baseMs * 2 ** (attempt - 1));
      const wait = Math.round(ceiling / 2 + (random() * ceiling) / 2);
      options.onRetry(err, wait, attempt);
      await options.clock.sleep(wait);
    }
  }
}

// What a step says while it waits to try again (clips and stills alike).
export function retryNotice(update: (u: { state: "retrying"; detail: string }) => void) {
  return (err: ProviderError, wait: number, attempt: number) =>
    update({
      state: "retrying",
      detail: `attempt ${attempt} failed (${err.message}); retrying in ${(wait / 1000).toFixed(1)} s`,
    });
}
