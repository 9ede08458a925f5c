// One paid request on fal's queue that is not a clip (a still, a voice-over, a music bed): submit (journaled
// first) or reattach to an earlier run's request, wait, fetch the result, collect it. The same never-pay-twice
// rules as clips: an unanswered submit is looked for in fal's request listing (unanswered.ts), and a lost
// request is submitted again only within --max-cost.
import type { FalClient } from "@fal-ai/client";
import { clearJournal, readJournal } from "../../cache/journal.js";
import { NotStartedError, ProviderError } from "../../errors.js";
import { takeSlot } from "../slot.js";
import type { ProviderContext } from "../types.js";
import { fetchResult, waitForCompletion } from "./queue.js";
import type { StatusStream } from "./status-stream.js";
import { paidNote, type SettleOptions, settleUnanswered, submitPaid } from "./unanswered.js";

export interface RequestOptions extends SettleOptions {
  fal: FalClient;
  statusStream?: StatusStream;
}

export interface PaidRequest<T> {
  key: string;
  // "still keeper", "voice-over arrival": how messages and the journal name it.
  label: string;
  endpoint: string;
  cost: number;
  priced: boolean;
  // The model's input, made (and its files uploaded) just before a submit.
  input(): Promise<Record<string, unknown>>;
  // The finished result into the cache; `input` is what was submitted.
  collect(result: unknown, requestId: string, input: Record<string, unknown>): Promise<T>;
}

export async function runPaidRequest<T>(
  r: PaidRequest<T>,
  ctx: ProviderContext,
  o: RequestOptions,
): Promise<T> {
  const queued = { key: r.key, shot: { id: r.label }, model: { endpoint: r.endpoint }, cost: r.cost };
  const entry = await readJournal(ctx.paths, r.key);
  let requestId = entry?.state === "submitted" ? entry.request_id : undefined;
  if (entry?.state === "submitting") requestId = await settleUnanswered(entry, queued, ctx, o, r.label);
  let input = entry?.input ?? {};
  if (requestId && entry?.state === "submitted")
    ctx.update({
      state: "reattaching",
      request_id: requestId,
      detail: "resuming a request from an earlier run",
    });
  let submits = 0;
  for (let round = 1; round <= 3; round++) {
    if (!requestId) {
      if (ctx.stopSubmitting.aborted) throw new NotStartedError();
      ctx.update({ state: "uploading" });
      input = await r.input();
    }
    const release = await takeSlot(ctx);
    let result: unknown;
    try {
      if (!requestId) {
        if (ctx.stopSubmitting.aborted) throw new NotStartedError();
        const priced = r.priced && submits === 0;
        submits += 1;
        ctx.update({ state: "submitting" });
        requestId = await submitPaid(o, queued, input, ctx, r.label, priced);
      }
      const timings = await waitForCompletion(o.fal, queued, requestId, o, ctx);
      result = timings === "expired" ? "expired" : await fetchResult(o.fal, queued, requestId, ctx);
    } finally {
      release();
    }
    if (result === "expired") {
      ctx.update({ state: "retrying", detail: `fal no longer knows request ${requestId}; submitting again` });
      await clearJournal(ctx.paths, r.key);
      requestId = undefined;
      continue;
    }
    const made = await r.collect(result, requestId, input).catch(paidNote(requestId, r.cost));
    await clearJournal(ctx.paths, r.key);
    return made;
  }
  throw new ProviderError(
    `fal lost the request for ${r.label} three times in a row; giving up on it for now`,
    {
      transient: false,
    },
  );
}
