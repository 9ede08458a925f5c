// Independent ffmpeg jobs run side by side. On the first failure the queued jobs are skipped and the running
// ones stopped, so nothing keeps writing into the cache or the temp folder after the error is reported.
import { availableParallelism, totalmem } from "node:os";
import pLimit from "p-limit";

// What one ffmpeg of pieces may take at 1080p (a stretch and the window after it, two x264 encoders: about
// 480 MB measured; a piece alone about 280 MB), rounded up.
const PIECE_MEMORY = 500 * 1024 * 1024;

// The cores, but never more pieces at once than a quarter of the machine's memory holds.
export function defaultParallel(): number {
  return Math.max(1, Math.min(availableParallelism(), Math.floor(totalmem() / 4 / PIECE_MEMORY)));
}

export async function sideBySide(
  jobs: Array<(signal: AbortSignal) => Promise<void>>,
  parallel: number,
  outer?: AbortSignal,
): Promise<void> {
  const stop = new AbortController();
  const onOuter = () => stop.abort(outer?.reason);
  outer?.addEventListener("abort", onOuter);
  if (outer?.aborted) onOuter();
  const limit = pLimit(Math.max(1, parallel));
  let failure: { error: unknown } | undefined;
  try {
    await Promise.allSettled(
      jobs.map((job) =>
        limit(async () => {
          if (stop.signal.aborted) return;
          try {
            await job(stop.signal);
          } catch (error) {
            failure ??= { error };
            stop.abort(error);
          }
        }),
      ),
    );
  } finally {
    outer?.removeEventListener("abort", onOuter);
  }
  if (failure) throw failure.error;
}
