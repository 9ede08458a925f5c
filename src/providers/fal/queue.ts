// fal's queue, step by step: submit (journaled first), poll status with logs, fetch the result.
import type { FalClient } from "@fal-ai/client";
import { clearJournal, type JournalEntry, writeJournal } from "../../cache/journal.js";
import { ClaimLostError } from "../../cache/remote/claims.js";
import { recordSpend, type SpendRecord } from "../../project/spend-ledger.js";
import type { ProviderContext } from "../types.js";
import { type QueueStatus, type StatusStream, streamUntilCompleted } from "./status-stream.js";

// What the queue needs of a job: a clip's ClipJob, or a still's (its shot id reads "still NAME").
export interface QueueJob {
  key: string;
  shot: { id: string };
  model: { endpoint: string };
  // What this submit costs, for the spend ledger.
  cost?: number;
  // When fal answered this job's submit (set by submitJob): the polls' grid starts there, not after the
  // journal's durable writes that follow it.
  answeredAt?: number;
  // Told once fal answered the submit (or it failed): the request is out (see submits-first.ts).
  onAnswer?: () => void;
}
import { ProviderError } from "../../errors.js";
import { classifyFalError, gotResponse, ifFalUnavailable, isNotFound } from "./errors.js";

export interface QueueTimings {
  queue_ms?: number;
  generate_ms?: number;
}

// Submit and record the request id durably before anything waits on it.
export async function submitJob(
  fal: FalClient,
  job: QueueJob,
  input: Record<string, unknown>,
  ctx: ProviderContext,
  // Told the moment the submit's bytes may leave (until then, nothing can have been paid).
  onSend?: () => void,
): Promise<string> {
  const cost = job.cost ?? 0;
  const base = {
    version: 1 as const,
    key: job.key,
    shot: job.shot.id,
    endpoint: job.model.endpoint,
    input,
    cost,
    submitted_at: new Date(ctx.clock.now()).toISOString(),
    ...(ctx.storyboard && { storyboard: ctx.storyboard }),
    ...(ctx.repo && { repo: ctx.repo }),
  };
  // The step's remote claim is taken first (held elsewhere: stopped here, before any money); then the bucket's
  // spend ledger counts the submit (past the budget: refused here); then the claim records the submit.
  await recordInClaim(ctx, { ...base, state: "submitting" }, true);
  const spentIn = await ctx.reserveSpend?.({
    step: job.shot.id,
    key: job.key,
    model: job.model.endpoint,
    cost,
  });
  const intent = { ...base, state: "submitting" as const, ...(spentIn && { spent_in: spentIn }) };
  const unspend = async () => {
    if (spentIn) await ctx.voidSpend?.(spentIn.ref);
  };
  try {
    await recordInClaim(ctx, intent);
    await writeJournal(ctx.paths, intent);
  } catch (err) {
    await unspend();
    throw err;
  }
  let requestId: string;
  try {
    onSend?.();
    requestId = (await fal.queue.submit(job.model.endpoint, { input })).request_id;
    job.answeredAt = ctx.clock.now();
    job.onAnswer?.();
  } catch (err) {
    job.onAnswer?.();
    // fal answered, so no request exists; without an answer it may, and the journal keeps saying so.
    if (gotResponse(err)) {
      await clearJournal(ctx.paths, job.key);
      await unspend();
    }
    throw classifyFalError(err, "submitting");
  }
  // Paid. Nothing from here may lose the request id: a failed write (a full disk) is said, and the run goes
  // on collecting it; the journal's intent stays, and fal's request listing finds it again if need be.
  const kept = await keepRequestId(ctx, { ...intent, state: "submitted", request_id: requestId });
  if (spentIn) await ctx.noteRequest?.(spentIn.ref, requestId);
  await recordSpend(
    ctx.paths,
    spendRecord(ctx, job, requestId, { run: ctx.run, bucket: spentIn?.bucket }),
  ).catch((err) => kept.push(`the spend ledger (${(err as Error).message})`));
  ctx.update({
    state: "in_queue",
    request_id: requestId,
    detail: kept.length
      ? `submitted and paid ($${cost.toFixed(2)}), but could not record request ${requestId} in ${kept.join(" or ")}; collecting it now`
      : "submitted",
  });
  return requestId;
}

// The journal and the claim learn the request id; returns what could not be written.
async function keepRequestId(ctx: ProviderContext, entry: JournalEntry): Promise<string[]> {
  const failed: string[] = [];
  await writeJournal(ctx.paths, entry).catch((err) => failed.push(`the journal (${(err as Error).message})`));
  // Nothing about the claim may stop collecting a paid request.
  await recordInClaim(ctx, entry).catch(() => undefined);
  return failed;
}

// How to wait: the status stream when the run has one (see status-stream.ts), else polling every `pollMs`, or,
// with 0, at fal's own pace (pollDelay).
export interface Waiting {
  pollMs: number;
  statusStream?: StatusStream;
}

// Polling at fal's pace: every 100 ms for the first 2 s (a short request is seen within a tenth of a second), then
// slower, up to the 500 ms fal.subscribe waits between polls, so it is never slower than fal's own client.
export function pollDelay(pollMs: number, elapsedMs: number): number {
  if (pollMs > 0) return pollMs;
  return elapsedMs < 2000 ? 100 : Math.min(500, 100 + (elapsedMs - 2000) / 10);
}

// The wait before the next poll. For the first 2 s (and at a fixed pace) polls keep to a grid from the submit's
// answer rather than waiting a step after each poll's answer, so the round trips do not add up: the 15th poll of
// a 1.5 s request goes out at 1.5 s, not 1.5 s plus fifteen round trips (about 60 ms late here).
export function pollWait(pollMs: number, elapsedMs: number): number {
  const step = pollDelay(pollMs, elapsedMs);
  if (pollMs === 0 && elapsedMs >= 2000) return step;
  return (Math.floor(elapsedMs / step) + 1) * step - elapsedMs;
}

// Wait (streamed, or polled) until COMPLETED. "expired" means fal no longer knows the id (404), so it must be submitted again.
export async function waitForCompletion(
  fal: FalClient,
  job: QueueJob,
  requestId: string,
  o: Waiting,
  ctx: ProviderContext,
): Promise<QueueTimings | "expired"> {
  const started = job.answeredAt ?? ctx.clock.now();
  const deadline = started + ctx.timeoutMs;
  let progressAt: number | undefined;
  const timings = (now: number) => ({
    queue_ms: (progressAt ?? now) - started,
    generate_ms: now - (progressAt ?? now),
  });
  // Shows a status as the shot's progress; true when it is COMPLETED.
  const show = (status: QueueStatus): boolean => {
    if (status.status === "COMPLETED") return true;
    if (status.status === "IN_PROGRESS") {
      progressAt ??= ctx.clock.now();
      const logs = "logs" in status && Array.isArray(status.logs) ? status.logs : [];
      const last = logs.at(-1)?.message;
      ctx.update({ state: "in_progress", request_id: requestId, ...(last && { log: last }) });
    } else {
      const position = (status as { queue_position?: number }).queue_position;
      ctx.update({
        state: "in_queue",
        request_id: requestId,
        ...(position !== undefined && { detail: `position ${position}` }),
      });
    }
    return false;
  };
  if (o.statusStream) {
    const wait = {
      support: o.statusStream,
      clock: ctx.clock,
      until: deadline,
      firstEventMs: Math.max(1000, 2 * o.pollMs),
    };
    if (await streamUntilCompleted(fal, job.model.endpoint, requestId, wait, show)) {
      counted(o.statusStream, "stream");
      return timings(ctx.clock.now());
    }
  }
  for (;;) {
    let status: QueueStatus;
    try {
      status = await fal.queue.status(job.model.endpoint, { requestId, logs: true });
    } catch (err) {
      if (isNotFound(err)) return "expired";
      throw classifyFalError(err, "checking status", requestId);
    }
    if (show(status)) {
      counted(o.statusStream, "polling");
      return timings(ctx.clock.now());
    }
    if (ctx.clock.now() >= deadline) {
      // Best effort: fal refusing or being unreachable must not hide the timeout itself.
      await fal.queue.cancel(job.model.endpoint, { requestId }).catch(ifFalUnavailable);
      const waited =
        ctx.timeoutMs >= 60_000
          ? `${Math.round(ctx.timeoutMs / 60_000)} min`
          : `${Math.round(ctx.timeoutMs / 1000)} s`;
      throw new ProviderError(
        `gave up after ${waited} waiting for fal (request ${requestId}); the request was cancelled. Raise --timeout (minutes) if the model is just slow`,
        { transient: false, requestId },
      );
    }
    await ctx.clock.sleep(pollWait(o.pollMs, ctx.clock.now() - started));
  }
}

function counted(support: StatusStream | undefined, how: "stream" | "polling"): void {
  if (!support) return;
  support.waits ??= { stream: 0, polling: 0 };
  support.waits[how] += 1;
}

// The finished request's output, or "expired" once fal has dropped it (results live about an hour).
export async function fetchResult(
  fal: FalClient,
  job: QueueJob,
  requestId: string,
  ctx: ProviderContext,
): Promise<unknown | "expired"> {
  try {
    return (await fal.queue.result(job.model.endpoint, { requestId })).data;
  } catch (err) {
    if (isNotFound(err)) return "expired";
    const failure = classifyFalError(err, "fetching the result", requestId);
    // A 500 on the result is the model failing (not billed): that request is over. 502-504 may be a passing blip.
    const status = (err as { status?: number }).status;
    if (!failure.transient || status === 500) await clearJournal(ctx.paths, job.key);
    throw failure;
  }
}

async function recordInClaim(ctx: ProviderContext, entry: JournalEntry, claimOnly = false): Promise<void> {
  if (!ctx.onJournal) return;
  try {
    await ctx.onJournal(entry, claimOnly);
  } catch (err) {
    if (err instanceof ClaimLostError) throw err;
    throw new ProviderError(`the remote cache could not record the submit: ${(err as Error).message}`, {
      transient: true,
    });
  }
}

// The spend ledger's record of a paid request (`run`: when this run paid it; `bucket`: counted there too).
export function spendRecord(
  ctx: ProviderContext,
  job: QueueJob,
  requestId: string,
  also: { run?: string | undefined; bucket?: string | undefined; time?: string | undefined },
): SpendRecord {
  return {
    time: also.time ?? new Date(ctx.clock.now()).toISOString(),
    storyboard: ctx.storyboard ?? "",
    ...(ctx.repo && { repo: ctx.repo }),
    step: job.shot.id,
    model: job.model.endpoint,
    request_id: requestId,
    key: job.key,
    cost: job.cost ?? 0,
    ...(also.run && { run: also.run }),
    ...(also.bucket && { bucket: also.bucket }),
  };
}
