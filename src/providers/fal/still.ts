// Stills on fal: upload the references, run the request (request.ts), download, check that the video model
// can take the image, insert.
import { readFile } from "node:fs/promises";
import { insert, type StillSidecar } from "../../cache/artifacts/index.js";
import { ProviderError } from "../../errors.js";
import { stillInput } from "../../plan/still-input.js";
import { sniffImage } from "../../storyboard/image-info.js";
import type { ProviderContext, StillJob } from "../types.js";
import { downloadFile, retryDownload } from "./download.js";
import { classifyFalError } from "./errors.js";
import type { ImageUploads } from "./uploads.js";
import { pick } from "./pick.js";
import { type RequestOptions, runPaidRequest } from "./request.js";
import { fitsImage } from "../../models/modes.js";

// The fal provider's options that stills use (provider.ts passes its own).
interface StillOptions extends RequestOptions {
  uploads: ImageUploads;
}

export async function falStill(job: StillJob, ctx: ProviderContext, o: StillOptions): Promise<StillSidecar> {
  return runPaidRequest(
    {
      key: job.key,
      label: `still ${job.still.name}`,
      endpoint: job.still.model.endpoint,
      cost: job.cost,
      priced: job.priced,
      input: () => uploadedInput(job, o),
      collect: async (result, requestId, input) => {
        await o.uploads.recorded();
        const url = pick(result, job.still.model.output.image_url);
        if (typeof url !== "string")
          throw new ProviderError(`fal's result has no ${job.still.model.output.image_url}`, {
            transient: false,
            requestId,
          });
        return downloadChecked(job, ctx, url, requestId, input);
      },
    },
    ctx,
    o,
  );
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
  const tmpFile = () => `${ctx.paths.temp("still", job.key)}.img`;
  return retryDownload(ctx, requestId, 3, tmpFile, async (tmp) => {
    await downloadFile(url, tmp);
    const image = sniffImage(await readFile(tmp));
    if (!image)
      throw new ProviderError("the still fal returned is not a PNG, JPEG or WebP image", {
        transient: true,
      });
    const limits = job.videoModel.image;
    if (limits && !fitsImage(image.width, image.height, limits))
      throw new ProviderError(
        `the still is ${image.width}x${image.height}; ${job.videoModel.name} needs at least ${limits.min_side} px a side and an aspect ratio from ${limits.min_aspect} to ${limits.max_aspect}. Give it a size:`,
        { transient: false, requestId },
      );
    return await insert(ctx.paths, "still", job.key, tmp, {
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
