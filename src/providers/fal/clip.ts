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
  const videoUrl = pick(result, job.model.output.video_url);
  if (typeof videoUrl !== "string")
    throw new ProviderError(`fal's result has no ${job.model.output.video_url}`, {
      transient: false,
      requestId,
    });
  const { tmp, downloadMs, info } = await downloadChecked(videoUrl, job, ctx, o, requestId);
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
    for (const image of shotImages(job.shot)) urls.set(image.source, await uploads.urlFor(image));
  } catch (err) {
    throw classifyFalError(err, "uploading the image");
  }
  const input = modelInput(job.model, job.shot, (image) => urls.get(image.source));
  await loadPayloadChecks();
  // validate checked this payload's shape already; this is the last look before money is spent on it.
  const problem = payloadProblem(job.model, input);
  if (problem)
    throw new ProviderError(
      `not sent: the request would not match fal's schema in ${job.model.file}: ${problem}`,
      {
        transient: false,
      },
    );
  return input;
}

// Retry only the download (the clip is already paid for), then check it is a real clip of the right length.
async function downloadChecked(
  url: string,
  job: ClipJob,
  ctx: ProviderContext,
  o: ClipOptions,
  requestId: string,
) {
  return retryDownload(
    ctx,
    requestId,
    o.downloadAttempts ?? 3,
    () => ctx.paths.temp("clip", job.key),
    async (tmp) => {
      const t0 = ctx.clock.now();
      await downloadFile(url, tmp);
      const info = await checkClip(ctx.tools, tmp, job.shot, o.probe);
      return { tmp, downloadMs: ctx.clock.now() - t0, info };
    },
  );
}
