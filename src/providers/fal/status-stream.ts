// fal's status stream (server-sent events): fal pushes each change of a request's status over one connection,
// so a finished request is seen at once instead of up to a poll interval later, and a long wait costs one
// request instead of one per interval. A server without the stream (an older proxy, say), or a stream that
// breaks, hands the wait back to polling, which is exactly as before.
import type { FalClient } from "@fal-ai/client";
import type { Clock } from "../../util/clock.js";

// One per run: once a server has refused the stream, the run polls without asking it again. `waits` counts how
// the run's requests were seen to finish (doctor says which mode the last render used).
export interface StatusStream {
  usable: boolean;
  waits?: { stream: number; polling: number };
}

export type QueueStatus = Awaited<ReturnType<FalClient["queue"]["status"]>>;

export interface StreamWait {
  support: StatusStream;
  clock: Clock;
  // Until when to wait at most (the --timeout deadline); polling then decides what a timeout means.
  until: number;
  // A server that accepts the connection but sends no status within this long has no stream.
  firstEventMs: number;
}

// A connection open this long is closed and opened again, so one that died silently is noticed.
const SLICE_MS = 60_000;

type Outcome = "completed" | "refused" | "ended" | "slice";

// True once COMPLETED was seen; false when the wait goes on by polling. `onStatus` sees every status and says
// whether it is COMPLETED.
export async function streamUntilCompleted(
  fal: FalClient,
  endpoint: string,
  requestId: string,
  o: StreamWait,
  onStatus: (status: QueueStatus) => boolean,
): Promise<boolean> {
  while (o.support.usable) {
    const left = o.until - o.clock.now();
    if (left <= 0) return false;
    const outcome = await streamOnce(fal, endpoint, requestId, o, Math.min(left, SLICE_MS), onStatus);
    if (outcome === "completed") return true;
    if (outcome === "refused") o.support.usable = false;
    // A stream that ended early (or the deadline) goes on by polling; a slice that ran out opens another.
    if (outcome === "ended" || o.clock.now() >= o.until) return false;
  }
  return false;
}

function noStream(status: number | undefined): boolean {
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

async function streamOnce(
  fal: FalClient,
  endpoint: string,
  requestId: string,
  o: StreamWait,
  sliceMs: number,
  onStatus: (status: QueueStatus) => boolean,
): Promise<Outcome> {
  let stream: Awaited<ReturnType<FalClient["queue"]["streamStatus"]>>;
  try {
    stream = await fal.queue.streamStatus(endpoint, { requestId, logs: true });
  } catch {
    // Whatever went wrong, polling asks again and reports it in its own words.
    return "refused";
  }
  // The stream's own promise rejects on the errors handled through its "error" event below.
  stream.done().then(
    () => undefined,
    () => undefined,
  );
  const timers = new AbortController();
  return new Promise<Outcome>((resolve) => {
    let seen = false;
    let settled = false;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      timers.abort();
      // FalStream's abort() does nothing once it saw an error, yet its reader would read on: abort its controller.
      (stream as unknown as { abortController?: AbortController }).abortController?.abort();
      resolve(outcome);
    };
    const after = (ms: number, outcome: () => Outcome | undefined) =>
      o.clock.sleep(ms, timers.signal).then(
        () => {
          const chosen = outcome();
          if (chosen) finish(chosen);
        },
        () => undefined,
      );
    void after(o.firstEventMs, () => (seen ? undefined : "refused"));
    void after(sliceMs, () => (seen ? "slice" : "ended"));
    stream.on("data", (status) => {
      if (settled) return;
      // A server that answers with something other than status events has no stream.
      if (typeof (status as { status?: unknown })?.status !== "string") return finish("refused");
      seen = true;
      if (onStatus(status as QueueStatus)) finish("completed");
    });
    stream.on("done", () => finish(seen ? "ended" : "refused"));
    // A server without the stream says so (404, 405, a body that is not events); a passing failure (a 429, a
    // 5xx, a dropped connection) only sends this request back to polling.
    stream.on("error", (err: { status?: number }) =>
      finish(!seen && noStream(err.status) ? "refused" : "ended"),
    );
  });
}
