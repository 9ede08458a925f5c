// The fal provider: upload, submit or reattach (or find an unanswered submit in fal's listing), wait, fetch,
// download, verify, insert. Never submits a key twice.
import { clearJournal, readJournal } from "../../cache/journal.js";
import type { ClipSidecar } from "../../cache/artifacts/index.js";
import { modelInput } from "../../plan/model-input.js";
import type { ClipJob, StepProvider, ProviderContext } from "../types.js";
import { NotStartedError, ProviderError } from "../../errors.js";
import { downloadFile, retryDownload } from "./download.js";
import { classifyFalError } from "./errors.js";
import { pick } from "./pick.js";
import { fetchResult, type QueueTimings, waitForCompletion } from "./queue.js";
import type { ImageUploads } from "./uploads.js";
import { takeSlot } from "../slot.js";
import type { StatusStream } from "./status-stream.js";
import type { SpareConnections } from "./spare-connections.js";
import { falStill } from "./still.js";
import { falSound } from "./sound.js";
import { storeClip } from "../store-clip.js";
import { checkClip } from "../verify.js";
import { paidNote, type SettleOptions, settleUnanswered, submitPaid } from "./unanswered.js";

export interface FalProviderOptions extends SettleOptions {
  uploads: ImageUploads;
  // Set by the pipeline: wait on fal's status stream, polling where a server has none.
  statusStream?: StatusStream;
  downloadAttempts?: number;
  // Connections opened for the next submit while a finished request's result is fetched.
  spares?: SpareConnections;
}

export function falProvider(options: FalProviderOptions): StepProvider {
  return {
    id: "fal",
    generate: (job, ctx) => generate(job, ctx, options),
    still: (job, ctx) => falStill(job, ctx, options),
    sound: (job, ctx) => falSound(job, ctx, options),
  };
}

async function generate(job: ClipJob, ctx: ProviderContext, o: FalProviderOptions): Promise<ClipSidecar> {
  const started = ctx.clock.now();
  const entry = await readJournal(ctx.paths, job.key);
  const label = `shot ${job.shot.id}`;
  let requestId = entry?.state === "submitted" ? entry.request_id : undefined;
  if (entry?.state === "submitting") requestId = await settleUnanswered(entry, job, ctx, o, label);
  let input = entry?.input ?? {};
  if (requestId && entry?.state === "submitted")
    ctx.update({
      state: "reattaching",
      request_id: requestId,
      detail: "resuming a request from an earlier run",
    });
  let submits = 0;
  for (let round = 1; round <= 3; round++) {
    // Uploads are free and not limited by fal's job concurrency, so they happen before taking a slot.
    if (!requestId) {
      if (ctx.stopSubmitting.aborted) throw new NotStartedError();
      ctx.update({ state: "uploading" });
      input = await uploadedInput(job, o.uploads);
    }
    // The slot covers fal's side of the work; the download and checks happen after it is given back.
    o.spares?.waitingForSlot(1);
    const release = await takeSlot(ctx).finally(() => o.spares?.waitingForSlot(-1));
    let timings: Awaited<ReturnType<typeof waitForCompletion>>;
    let result: unknown;
    try {
      if (!requestId) {
        if (ctx.stopSubmitting.aborted) throw new NotStartedError();
        // Only the first submit of a shot the plan priced is budgeted; any other is asked for.
        const priced = job.priced && submits === 0;
        submits += 1;
        ctx.update({ state: "submitting" });
        requestId = await submitPaid(o, job, input, ctx, label, priced);
      }
      timings = await waitForCompletion(o.fal, job, requestId, o, ctx);
      // This slot frees up once the result is fetched: the next submit's connection opens meanwhile.
      o.spares?.prepare();
      result = timings === "expired" ? "expired" : await fetchResult(o.fal, job, requestId, ctx);
    } finally {
      release();
    }
    if (timings === "expired" || result === "expired") {
      ctx.update({ state: "retrying", detail: `fal no longer knows request ${requestId}; submitting again` });
      await clearJournal(ctx.paths, job.key);
      requestId = undefined;
      continue;
    }
    const id = requestId;
    const made = { input, timings, started };
    const sidecar = await collectClip(result, id, made, job, ctx, o).catch(paidNote(id, job.cost));
    await clearJournal(ctx.paths, job.key);
    return sidecar;
  }
  // Not retried: each round submitted (and may have paid for) the shot again.
  throw new ProviderError("fal lost the request three times in a row; giving up on this shot for now", {
    transient: false,
  });
}

// The finished request's clip: downloaded, checked and stored with its sidecar.
async function collectClip(
  result: unknown,
  requestId: string,
  made: { input: Record<string, unknown>; timings: QueueTimings; started: number },
  job: ClipJob,
  ctx: ProviderContext,
  o: FalProviderOptions,
): Promise<ClipSidecar> {
  const videoUrl = pick(result, job.model.output.video_url);
  if (typeof videoUrl !== "string")
    throw new ProviderError(`fal's result has no ${job.model.output.video_url}`, {
      transient: false,
      requestId,
    });
  const { tmp, downloadMs, info } = await downloadChecked(
    videoUrl,
    job,
    ctx,
    o.downloadAttempts ?? 3,
    requestId,
  );
  await o.uploads.recorded();
  return storeClip(job, ctx, tmp, info, {
    provider: "fal",
    input: made.input,
    cost: job.cost,
    timings: { ...made.timings, download_ms: downloadMs, total_ms: ctx.clock.now() - made.started },
    requestId,
    videoUrl,
  });
}

async function uploadedInput(job: ClipJob, uploads: ImageUploads): Promise<Record<string, unknown>> {
  const urls = new Map<string, string>();
  try {
    for (const image of [job.shot.image, job.shot.endImage])
      if (image) urls.set(image.source, await uploads.urlFor(image));
  } catch (err) {
    throw classifyFalError(err, "uploading the image");
  }
  return modelInput(job.model, job.shot, (image) => urls.get(image.source));
}

// Retry only the download (the clip is already paid for), then check it is a real clip of the right length.
async function downloadChecked(
  url: string,
  job: ClipJob,
  ctx: ProviderContext,
  attempts: number,
  requestId: string,
) {
  return retryDownload(
    ctx,
    requestId,
    attempts,
    () => ctx.paths.temp("clip", job.key),
    async (tmp) => {
      const t0 = ctx.clock.now();
      await downloadFile(url, tmp);
      const info = await checkClip(ctx.tools, tmp, job.shot);
      return { tmp, downloadMs: ctx.clock.now() - t0, info };
    },
  );
}
