// One paid request on fal's queue, for every kind of step (a clip, a still, a voice-over, a music bed): submit
// (journaled first) or reattach to an earlier run's request, wait, fetch the result, collect it. An unanswered
// submit is looked for in fal's request listing (unanswered.ts), and a lost request is submitted again only
// within --max-cost. A slot is held while fal works and given back before the collect (the download).
import type { FalClient } from "@fal-ai/client";
import { clearJournal, readJournal } from "../../cache/journal.js";
import { NotStartedError, ProviderError } from "../../errors.js";
import { takeSlot } from "../slot.js";
import type { ProviderContext } from "../types.js";
import { fetchResult, type QueueJob, type QueueTimings, waitForCompletion } from "./queue.js";
import type { StatusStream } from "./status-stream.js";
import { SubmitsFirst } from "./submits-first.js";
import { paidNote, type SettleOptions, settleUnanswered, submitPaid } from "./unanswered.js";

export interface RequestOptions extends SettleOptions {
  fal: FalClient;
  // Set by the pipeline: wait on fal's status stream, polling where a server has none.
  statusStream?: StatusStream;
}

export interface PaidRequest<T> {
  key: string;
  // "shot intro", "still keeper", "voice-over arrival": how messages name it.
  label: string;
  // How the journal and the spend ledger name the step (a clip: its shot id); the label by default.
  step?: string;
  endpoint: string;
  cost: number;
  priced: boolean;
  // What to say when fal lost the request three times in a row (a default names the label).
  lostThrice?: string;
  // The model's input, made (and its files uploaded) just before a submit.
  input(): Promise<Record<string, unknown>>;
  // The finished result into the cache; `input` is what was submitted, `timings` how long fal took.
  collect(
    result: unknown,
    requestId: string,
    input: Record<string, unknown>,
    timings: QueueTimings,
  ): Promise<T>;
}

// One per provider: every step of a render shares it.
const submitsFirst = new WeakMap<RequestOptions, SubmitsFirst>();

export async function runPaidRequest<T>(
  r: PaidRequest<T>,
  ctx: ProviderContext,
  o: RequestOptions,
): Promise<T> {
  const queued: QueueJob = {
    key: r.key,
    shot: { id: r.step ?? r.label },
    model: { endpoint: r.endpoint },
    cost: r.cost,
  };
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
  const first = submitsFirst.get(o) ?? new SubmitsFirst();
  submitsFirst.set(o, first);
  for (let round = 1; round <= 3; round++) {
    // Uploads are free and not limited by fal's job concurrency, so they happen before taking a slot.
    if (!requestId) {
      if (ctx.stopSubmitting.aborted) throw new NotStartedError();
      ctx.update({ state: "uploading" });
      input = await r.input();
    }
    const release = await takeSlot(ctx);
    let timings: QueueTimings | "expired";
    let result: unknown;
    try {
      if (!requestId) {
        if (ctx.stopSubmitting.aborted) throw new NotStartedError();
        // Only the first submit of a step the plan priced is budgeted; any other is asked for.
        const priced = r.priced && submits === 0;
        submits += 1;
        ctx.update({ state: "submitting" });
        const sent = first.begin();
        queued.onAnswer = sent;
        try {
          requestId = await submitPaid(o, queued, input, ctx, r.label, priced);
        } finally {
          sent();
        }
      }
      timings = await waitForCompletion(o.fal, queued, requestId, o, ctx);
      result = timings === "expired" ? "expired" : await fetchResult(o.fal, queued, requestId, ctx);
    } finally {
      release();
    }
    if (timings === "expired" || result === "expired") {
      ctx.update({ state: "retrying", detail: `fal no longer knows request ${requestId}; submitting again` });
      await clearJournal(ctx.paths, r.key);
      requestId = undefined;
      continue;
    }
    await first.settled(ctx.clock);
    const made = await r.collect(result, requestId, input, timings).catch(paidNote(requestId, r.cost));
    await clearJournal(ctx.paths, r.key);
    return made;
  }
  // Not retried: each round submitted (and may have paid for) the step again.
  throw new ProviderError(
    r.lostThrice ?? `fal lost the request for ${r.label} three times in a row; giving up on it for now`,
    { transient: false },
  );
}
