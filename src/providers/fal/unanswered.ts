// What to do about a submit with no answer, for every kind of paid request: find it in fal's request listing
// and collect it, or learn that fal never accepted it and submit, or (the listing unreadable) refuse as before.
import type { FalClient } from "@fal-ai/client";
import { clearJournal, type JournalEntry, readJournal, writeJournal } from "../../cache/journal.js";
import type { CachePaths } from "../../cache/layout.js";
import { othersRequests, readLedger, recordSpend, type SpendRecord } from "../../project/spend-ledger.js";
import { NotStartedError, ProviderError } from "../../errors.js";
import type { ProviderContext } from "../types.js";
import { findUnanswered } from "./find-submit.js";
import { type QueueJob, spendRecord, submitJob } from "./queue.js";
import type { RequestListing } from "./request-listing.js";

export interface SettleOptions {
  fal: FalClient;
  pollMs: number;
  resubmitUnconfirmed: boolean;
  // fal's request listing; without it an unanswered submit is refused as before.
  listing?: RequestListing;
  // Request ids this provider has already matched to a submit: two lost submits never share one.
  claimed?: Set<string>;
}

// A submit the plan did not price (`priced` false: a lost request, or one fal never had) is asked for first, and
// the allowance is given back when nothing was sent after all (a claim held elsewhere, a budget refusal).
export async function submitPaid(
  o: SettleOptions,
  job: QueueJob,
  input: Record<string, unknown>,
  ctx: ProviderContext,
  label: string,
  priced: boolean,
): Promise<string> {
  const cost = job.cost ?? 0;
  if (!priced && ctx.mayPayAgain && !ctx.mayPayAgain(cost))
    throw new ProviderError(
      `fal no longer has the request for ${label} (or never had it), and submitting it again would cost $${cost.toFixed(2)} more than --max-cost allows. Nothing more was spent; raise --max-cost to submit it.`,
      { transient: false },
    );
  const sent = { maybe: false };
  try {
    return await submitSettled(o, job, input, ctx, label, () => {
      sent.maybe = true;
    });
  } catch (err) {
    if (!priced && !sent.maybe) ctx.notPaid?.(cost);
    throw err;
  }
}

// Submit, and when fal's answer is lost, look for the request instead of failing: at most three submits,
// each made only after the listing proved the one before was never accepted.
export async function submitSettled(
  o: SettleOptions,
  job: QueueJob,
  input: Record<string, unknown>,
  ctx: ProviderContext,
  label: string,
  onSend?: () => void,
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      const requestId = await submitJob(o.fal, job, input, ctx, onSend);
      // Answered: no look-up for another lost submit (a take with the same input) may take it.
      o.claimed?.add(requestId);
      return requestId;
    } catch (err) {
      if (!isUnanswered(err) || attempt >= 3) throw err;
      const entry = await readJournal(ctx.paths, job.key);
      if (entry?.state !== "submitting") throw err;
      const why = (err as { cause?: Error }).cause?.message ?? "the submit got no answer";
      const found = await settleUnanswered(entry, job, ctx, o, label, why, true);
      if (found) return found;
      if (ctx.stopSubmitting.aborted) throw new NotStartedError();
      ctx.update({ state: "submitting" });
    }
  }
}

// The request id of an unanswered submit, or undefined once the listing showed fal never accepted it (the
// journal is then cleared and the caller submits). Throws when it cannot tell, as storyreel did before.
export async function settleUnanswered(
  entry: JournalEntry,
  job: QueueJob,
  ctx: ProviderContext,
  o: SettleOptions,
  label: string,
  cause = "an earlier submit got no answer",
  // This run sent the submit (so the report counts it as this run's spending), not a killed one.
  sentThisRun = false,
): Promise<string | undefined> {
  const refuse = (why: string) =>
    new ProviderError(
      `${label}: ${cause}, and fal's request listing could not settle whether fal has it (${why}); storyreel has no request id to collect it with. Run again with --resubmit-unconfirmed to submit it anyway (this may pay for it twice).`,
      { transient: false },
    );
  if (!o.listing) {
    if (o.resubmitUnconfirmed) return undefined;
    throw refuse("no listing to read");
  }
  // A count the bucket voided proves the submit never left (its machine said so before it died).
  if (entry.spent_in && (await ctx.wasVoided?.(entry.spent_in.ref))) {
    await clearJournal(ctx.paths, job.key);
    return undefined;
  }
  ctx.update({
    state: "looking_up",
    detail: "its submit got no answer: looking for it in fal's request listing",
  });
  // Requests the ledgers (this cache's, and the bucket's) give to another step.
  const known = new Set<string>();
  const learn = async () => {
    for (const id of othersRequests(await readLedger(ctx.paths), entry.key)) known.add(id);
    for (const id of (await ctx.paidElsewhere?.(entry.key)) ?? []) known.add(id);
  };
  const claimed = o.claimed ?? new Set<string>();
  const started = Date.parse(entry.submitted_at);
  const result = await findUnanswered(entry, {
    listing: o.listing,
    clock: ctx.clock,
    deadline: Math.max(ctx.clock.now(), (Number.isNaN(started) ? ctx.clock.now() : started) + ctx.timeoutMs),
    // The listing is looked at a second after the submit, or as often as a fixed poll asks.
    firstWaitMs: o.pollMs > 0 ? Math.max(20, o.pollMs) : 1000,
    known: (id) => known.has(id) || claimed.has(id),
    beforeLook: learn,
    stop: ctx.stopSubmitting,
    onLook: (look, wait) =>
      ctx.update({
        state: "looking_up",
        detail: `not in fal's request listing yet (look ${look}); looking again in ${seconds(wait)}`,
      }),
  });
  if ("found" in result) {
    const requestId = result.found.request_id;
    claimed.add(requestId);
    // The ledger dates a request by when it was sent (fal's word, else the journaled intent).
    const sentAt = result.found.sent_at ?? entry.submitted_at;
    await recordFound({ ...entry, submitted_at: sentAt }, requestId, job, ctx, sentThisRun);
    return requestId;
  }
  if (ctx.stopSubmitting.aborted)
    throw new NotStartedError("interrupted while looking for an unanswered submit");
  if ("absent" in result) {
    await clearJournal(ctx.paths, job.key);
    if (entry.spent_in) await ctx.voidSpend?.(entry.spent_in.ref);
    ctx.update({
      state: "retrying",
      detail: `fal's request listing answered every look (${result.looks}) until the step's --timeout and did not show the unanswered submit, so it is taken as never accepted and submitted`,
    });
    return undefined;
  }
  if (o.resubmitUnconfirmed) {
    ctx.update({
      state: "retrying",
      detail: `${result.unreadable}; submitting again (--resubmit-unconfirmed)`,
    });
    return undefined;
  }
  throw refuse(result.unreadable);
}

// Found: journaled and in the ledger (fal billed it), so nothing is paid again and the next run collects it.
async function recordFound(
  entry: JournalEntry,
  requestId: string,
  job: QueueJob,
  ctx: ProviderContext,
  sentThisRun: boolean,
) {
  await journalFound(
    ctx.paths,
    entry,
    spendRecord(ctx, job, requestId, {
      run: sentThisRun ? ctx.run : undefined,
      bucket: entry.spent_in?.bucket,
      time: entry.submitted_at,
    }),
    ctx.onJournal,
  );
  if (entry.spent_in) await ctx.noteRequest?.(entry.spent_in.ref, requestId);
  ctx.update({
    state: "reattaching",
    request_id: requestId,
    found_by_listing: true,
    detail: `found request ${requestId} in fal's request listing (its submit got no answer); collecting it, nothing is paid again`,
  });
}

// An unanswered submit found in fal's listing (by a render or by `cache forget`): journaled with its request id,
// and in the spend ledger once, marked found by listing, so whatever collects it pays nothing again.
export async function journalFound(
  paths: CachePaths,
  entry: JournalEntry,
  spend: Omit<SpendRecord, "found_by_listing">,
  onJournal?: (entry: JournalEntry) => Promise<void>,
): Promise<JournalEntry> {
  const submitted: JournalEntry = { ...entry, state: "submitted", request_id: spend.request_id };
  await writeJournal(paths, submitted);
  await onJournal?.(submitted).catch(() => undefined);
  if (!(await readLedger(paths)).some((r) => r.request_id === spend.request_id))
    await recordSpend(paths, { ...spend, found_by_listing: true });
  return submitted;
}

function isUnanswered(err: unknown): boolean {
  return (err as { cause?: { unansweredSubmit?: boolean } }).cause?.unansweredSubmit === true;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

// A failure after fal accepted a submit says what was paid, so nobody wonders whether to pay again.
export function paidNote(requestId: string, cost: number): (err: unknown) => never {
  return (err) => {
    const note = ` (fal request ${requestId} was paid for${cost > 0 ? `: $${cost.toFixed(2)}` : ""}; its id is kept, so the next run collects it)`;
    if (err instanceof NotStartedError || !(err instanceof Error) || err.message.includes(requestId))
      throw err;
    if (err instanceof ProviderError)
      throw new ProviderError(`${err.message}${note}`, { transient: err.transient, requestId, cause: err });
    err.message += note;
    throw err;
  };
}
