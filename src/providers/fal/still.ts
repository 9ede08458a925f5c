// Stills on fal: upload the references, submit (journaled first) or reattach, wait, fetch, download, check that
// the video model can take the image, insert. The same never-pay-twice rules as clips.
import { readFile } from "node:fs/promises";
import { clearJournal, readJournal } from "../../cache/journal.js";
import { insertStill, type StillSidecar } from "../../cache/stills.js";
import { NotStartedError, ProviderError } from "../../errors.js";
import { stillInput } from "../../plan/still-input.js";
import { sniffImage } from "../../storyboard/image-info.js";
import { takeSlot } from "../slot.js";
import type { ProviderContext, StillJob } from "../types.js";
import { downloadVideo, retryDownload } from "./download.js";
import { classifyFalError } from "./errors.js";
import type { FalClient } from "@fal-ai/client";
import type { ImageUploads } from "./uploads.js";
import { pick } from "./pick.js";
import { fetchResult, submitJob, waitForCompletion } from "./queue.js";

// The fal provider's options that stills use (provider.ts passes its own).
interface StillOptions {
  fal: FalClient;
  uploads: ImageUploads;
  pollMs: number;
  resubmitUnconfirmed: boolean;
}

export async function falStill(job: StillJob, ctx: ProviderContext, o: StillOptions): Promise<StillSidecar> {
  const entry = await readJournal(ctx.paths, job.key);
  if (entry?.state === "submitting" && !o.resubmitUnconfirmed)
    throw new ProviderError(
      "an earlier submit of this still got no answer, so fal may be making it already and storyreel has no request id to collect it with. Run again with --resubmit-unconfirmed to submit it anyway (this may pay for it twice).",
      { transient: false },
    );
  let requestId = entry?.state === "submitted" ? entry.request_id : undefined;
  let input = entry?.input ?? {};
  if (requestId)
    ctx.update({
      state: "reattaching",
      request_id: requestId,
      detail: "resuming a request from an earlier run",
    });
  const queued = {
    key: job.key,
    shot: { id: `still ${job.still.name}` },
    model: job.still.model,
    cost: job.cost,
  };
  let submits = 0;
  for (let round = 1; round <= 3; round++) {
    if (!requestId) {
      if (ctx.stopSubmitting.aborted) throw new NotStartedError();
      ctx.update({ state: "uploading" });
      input = await uploadedInput(job, o);
    }
    const release = await takeSlot(ctx);
    let result: unknown;
    try {
      if (!requestId) {
        if (ctx.stopSubmitting.aborted) throw new NotStartedError();
        if (!(job.priced && submits === 0) && ctx.mayPayAgain && !ctx.mayPayAgain(job.cost))
          throw new ProviderError(
            `fal no longer has this still's request, and submitting it again would cost $${job.cost.toFixed(2)} more than --max-cost allows. Nothing more was spent.`,
            { transient: false },
          );
        submits += 1;
        ctx.update({ state: "submitting" });
        requestId = await submitJob(o.fal, queued, input, ctx);
      }
      const timings = await waitForCompletion(o.fal, queued, requestId, o.pollMs, ctx);
      result = timings === "expired" ? "expired" : await fetchResult(o.fal, queued, requestId, ctx);
    } finally {
      release();
    }
    if (result === "expired") {
      ctx.update({ state: "retrying", detail: `fal no longer knows request ${requestId}; submitting again` });
      await clearJournal(ctx.paths, job.key);
      requestId = undefined;
      continue;
    }
    const url = pick(result, job.still.model.output.image_url);
    if (typeof url !== "string")
      throw new ProviderError(`fal's result has no ${job.still.model.output.image_url}`, {
        transient: false,
        requestId,
      });
    const sidecar = await downloadChecked(job, ctx, url, requestId, input);
    await clearJournal(ctx.paths, job.key);
    return sidecar;
  }
  throw new ProviderError("fal lost the request three times in a row; giving up on this still for now", {
    transient: false,
  });
}

async function uploadedInput(job: StillJob, o: StillOptions): Promise<Record<string, unknown>> {
  const urls = new Map<string, string>();
  try {
    for (const ref of job.references) urls.set(ref.source, await o.uploads.urlFor(ref));
  } catch (err) {
    throw classifyFalError(err, "uploading a reference image");
  }
  return stillInput(job.still, (ref) => urls.get(ref.source));
}

// The image is paid for: its download is retried, and an image the video model cannot take fails the still.
async function downloadChecked(
  job: StillJob,
  ctx: ProviderContext,
  url: string,
  requestId: string,
  input: Record<string, unknown>,
): Promise<StillSidecar> {
  const tmpFile = () => `${ctx.paths.tempClip(job.key)}.img`;
  return retryDownload(ctx, requestId, 3, tmpFile, async (tmp) => {
    await downloadVideo(url, tmp);
    const image = sniffImage(await readFile(tmp));
    if (!image)
      throw new ProviderError("the still fal returned is not a PNG, JPEG or WebP image", {
        transient: true,
      });
    const limits = job.videoModel.image;
    const aspect = image.width / image.height;
    if (
      Math.min(image.width, image.height) < limits.min_side ||
      aspect < limits.min_aspect ||
      aspect > limits.max_aspect
    )
      throw new ProviderError(
        `the still is ${image.width}x${image.height}; ${job.videoModel.name} needs at least ${limits.min_side} px a side and an aspect ratio from ${limits.min_aspect} to ${limits.max_aspect}. Give it a size:`,
        { transient: false, requestId },
      );
    return await insertStill(ctx.paths, tmp, {
      key: job.key,
      still: job.still.name,
      provider: "fal",
      endpoint: job.still.model.endpoint,
      input,
      request_id: requestId,
      created_at: new Date(ctx.clock.now()).toISOString(),
      format: image.format,
      width: image.width,
      height: image.height,
      cost: job.cost,
      key_material: job.keyMaterial,
      image_url: url,
    });
  });
}
