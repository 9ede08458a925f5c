// Clips on fal: upload the shot's images, run the request (request.ts), download, check that it is a real clip
// of the shot's length, store it with its sidecar.
import type { ClipSidecar } from "../../cache/artifacts/index.js";
import { ProviderError } from "../../errors.js";
import { modelInput } from "../../storyboard/model-input.js";
import { loadPayloadChecks, payloadProblem } from "../../models/payload-check.js";
import { storeClip } from "../store-clip.js";
import type { ClipJob, ProviderContext } from "../types.js";
import { shotImages } from "../../storyboard/types.js";
import { checkClip, type Probe } from "../verify.js";
import { downloadFile, retryDownload } from "./download.js";
import { classifyFalError } from "./errors.js";
import { pick } from "./pick.js";
import type { QueueTimings } from "./queue.js";
import { type RequestOptions, runPaidRequest } from "./request.js";
import type { ImageUploads } from "./uploads.js";

// The fal provider's options that clips use (provider.ts passes its own).
export interface ClipOptions extends RequestOptions {
  uploads: ImageUploads;
  downloadAttempts?: number;
  // How a downloaded clip is read for its checks (default: in process, ffprobe for what it does not know).
  probe?: Probe;
}

export function falClip(job: ClipJob, ctx: ProviderContext, o: ClipOptions): Promise<ClipSidecar> {
  const started = ctx.clock.now();
  return runPaidRequest(
    {
      key: job.key,
      label: `shot ${job.shot.id}`,
      step: job.shot.id,
      endpoint: job.model.endpoint,
      cost: job.cost,
      priced: job.priced,
      lostThrice: "fal lost the request three times in a row; giving up on this shot for now",
      input: () => uploadedInput(job, o.uploads),
      collect: (result, requestId, input, timings) =>
        collectClip(result, requestId, { input, timings, started }, job, ctx, o),
    },
    ctx,
    o,
  );
}

// The finished request's clip: downloaded, checked and stored with its sidecar.
async function collectClip(
  result: unknown,
  requestId: string,
  made: { input: Record<string, unknown>; timings: QueueTimings; started: number },
  job: ClipJob,
  ctx: ProviderContext,
  o: ClipOptions,
): Promise<ClipSidecar> {
  const { videoUrl, tmp, downloadMs, info } = await downloadVideo(
    { result, path: job.model.output.video_url, key: job.key, seconds: job.shot.duration, requestId },
    ctx,
    o,
  );
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
    for (const image of shotImages(job.shot)) urls.set(image.source, await uploads.urlFor(image));
  } catch (err) {
    throw classifyFalError(err, "uploading the image");
  }
  const input = modelInput(job.model, job.shot, (image) => urls.get(image.source));
  // validate checked this payload's shape already; this is the last look before money is spent on it.
  await refuseUnlessFalTakes(job.model, input);
  return input;
}

// A request fal's schema (as the model file keeps it) would refuse, or would take while ignoring a field, is
// not sent: it would be paid for, and not be what was priced.
export async function refuseUnlessFalTakes(
  model: { schema: Record<string, unknown>; file: string },
  input: Record<string, unknown>,
): Promise<void> {
  await loadPayloadChecks();
  const problem = payloadProblem(model, input);
  if (problem)
    throw new ProviderError(
      `not sent: the request would not match fal's schema in ${model.file}: ${problem}`,
      { transient: false },
    );
}

// The finished request's video: its URL picked from fal's result, downloaded (only the download is retried: the
// request is already paid for), checked to be a real clip of about `seconds`, and the uploads' records written.
export async function downloadVideo(
  r: { result: unknown; path: string; key: string; seconds: number; requestId: string },
  ctx: ProviderContext,
  o: ClipOptions,
) {
  const videoUrl = pick(r.result, r.path);
  if (typeof videoUrl !== "string")
    throw new ProviderError(`fal's result has no ${r.path}`, { transient: false, requestId: r.requestId });
  const got = await retryDownload(
    ctx,
    r.requestId,
    o.downloadAttempts ?? 3,
    () => ctx.paths.temp("clip", r.key),
    async (tmp) => {
      const t0 = ctx.clock.now();
      await downloadFile(videoUrl, tmp);
      const info = await checkClip(ctx.tools, tmp, { duration: r.seconds }, o.probe);
      return { tmp, downloadMs: ctx.clock.now() - t0, info };
    },
  );
  await o.uploads.recorded();
  return { videoUrl, ...got };
}
