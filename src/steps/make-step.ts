// A paid step made with retries, through the remote cache's claim protocol when there is one (clips and stills alike).
import { guardStep } from "../cache/remote/guard.js";
import type { EntryRef } from "../cache/remote/entries.js";
import type { Guarded, OnJournal, RemoteCache } from "../cache/remote/remote-cache.js";
import type { ProviderContext } from "../providers/types.js";
import { DEFAULT_RETRY, retryNotice, type RetryPolicy, withRetries } from "./retry.js";

export async function makeStep<T>(
  attempt: (ctx: ProviderContext) => Promise<T>,
  ctx: ProviderContext,
  retry: RetryPolicy | undefined,
  remote: RemoteCache | undefined,
  entry: EntryRef & { step: string },
): Promise<Guarded<T>> {
  const make = (onJournal?: OnJournal) =>
    withRetries(() => attempt(onJournal ? { ...ctx, onJournal } : ctx), {
      policy: retry ?? DEFAULT_RETRY,
      clock: ctx.clock,
      onRetry: retryNotice(ctx.update),
    });
  if (!remote) return { from: "made", value: await make() };
  const notify = (state: "waiting" | "downloading", detail: string) => ctx.update({ state, detail });
  return guardStep(remote, entry, notify, make, ctx.stopSubmitting);
}
