// Voice-overs and music beds on fal: run the request (request.ts), download the audio, measure it, insert.
import type { SoundSidecar } from "../../cache/artifacts/index.js";
import { ProviderError } from "../../errors.js";
import { storeSound } from "../sound-file.js";
import type { ProviderContext, SoundJob } from "../types.js";
import { downloadFile, retryDownload } from "./download.js";
import { pick } from "./pick.js";
import { type RequestOptions, runPaidRequest } from "./request.js";

export function falSound(job: SoundJob, ctx: ProviderContext, o: RequestOptions): Promise<SoundSidecar> {
  return runPaidRequest(
    {
      key: job.key,
      label: job.label,
      endpoint: job.model.endpoint,
      cost: job.cost,
      priced: job.priced,
      input: async () => job.input,
      collect: async (result, requestId) => {
        // The registry's path first; fal's audio models otherwise answer with one of these shapes.
        const url = [job.model.output.audio_url, "audio.url", "audio_file.url", "audio_url"]
          .map((p) => pick(result, p))
          .find((u): u is string => typeof u === "string");
        if (typeof url !== "string")
          throw new ProviderError(`fal's result has no ${job.model.output.audio_url}`, {
            transient: false,
            requestId,
          });
        return retryDownload(
          ctx,
          requestId,
          3,
          () => `${ctx.paths.temp("sound", job.key)}.audio`,
          async (tmp) => {
            await downloadFile(url, tmp);
            return storeSound(job, ctx, tmp, {
              provider: "fal",
              request_id: requestId,
              audio_url: url,
              cost: job.cost,
            });
          },
        );
      },
    },
    ctx,
    o,
  );
}
