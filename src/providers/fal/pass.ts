// Passes on fal (lip-sync, upscale): fit the clip and the voice-over to the model's limits (pass-inputs.ts),
// upload them, run the request (request.ts), download, check it is a real clip of the length it should have,
// store it as a clip under the pass's key.
import type { ClipSidecar } from "../../cache/artifacts/index.js";
import { ffprobeMedia } from "../../media/probe.js";
import { passPayload } from "../../models/passes.js";
import { preparePassInputs } from "../pass-inputs.js";
import { storePass } from "../store-clip.js";
import type { PassJob, ProviderContext } from "../types.js";
import { type ClipOptions, downloadVideo, refuseUnlessFalTakes } from "./clip.js";
import { classifyFalError } from "./errors.js";
import { runPaidRequest } from "./request.js";

// Sync's modes whose output follows the audio's length (loop, bounce, remap) or the shorter of the two (cut_off).
const FOLLOWS_AUDIO = new Set(["loop", "bounce", "remap"]);

export function falPass(job: PassJob, ctx: ProviderContext, o: ClipOptions): Promise<ClipSidecar> {
  const started = ctx.clock.now();
  return runPaidRequest(
    {
      key: job.key,
      label: job.label,
      // The spend ledger and the journal name it apart from the shot's clip: "lip-sync warning".
      step: job.label,
      endpoint: job.pass.endpoint,
      cost: job.cost,
      priced: job.priced,
      input: () => uploadedInput(job, ctx, o),
      collect: async (result, requestId, input, timings) => {
        const seconds = await expectedSeconds(job, ctx);
        // The upscaled height is not checked: the sidecar's media records what fal made.
        const { videoUrl, tmp, downloadMs, info } = await downloadVideo(
          { result, path: job.pass.output.video_url, key: job.key, seconds, requestId },
          ctx,
          o,
        );
        return storePass(job, ctx, tmp, info, {
          provider: "fal",
          input,
          cost: job.cost,
          timings: { ...timings, download_ms: downloadMs, total_ms: ctx.clock.now() - started },
          requestId,
          videoUrl,
        });
      },
    },
    ctx,
    o,
  );
}

// The fitted clip and voice-over uploaded, the request built from the pass's input map and checked against
// fal's schema: the last look before money is spent on it.
async function uploadedInput(
  job: PassJob,
  ctx: ProviderContext,
  o: ClipOptions,
): Promise<Record<string, unknown>> {
  const fitted = await preparePassInputs(job, ctx);
  let video: string;
  let audio: string | undefined;
  try {
    video = await o.uploads.urlForFile(fitted.video.file, "video/mp4");
    if (fitted.audio) audio = await o.uploads.urlForFile(fitted.audio.file, audioType(fitted.audio.file));
  } catch (err) {
    throw classifyFalError(err, "uploading the pass's input");
  } finally {
    await fitted.cleanup();
  }
  const input = passPayload(job.pass, {
    video,
    ...(audio && { audio }),
    ...(job.height && { height: job.height.name }),
    ...(job.syncMode && { syncMode: job.syncMode }),
  });
  await refuseUnlessFalTakes(job.pass, input);
  return input;
}

// The pass's output lasts as long as the clip sent (cut to the priced length when longer), except Sync's modes
// that follow the audio.
async function expectedSeconds(job: PassJob, ctx: ProviderContext): Promise<number> {
  const sent = Math.min(job.video.seconds, job.pricedSeconds);
  const mode = job.syncMode ?? job.pass.default_sync_mode;
  if (job.pass.kind !== "lipsync" || !job.audio || !mode || !job.pass.sync_modes?.includes(mode)) return sent;
  if (mode !== "cut_off" && !FOLLOWS_AUDIO.has(mode)) return sent;
  const audio = job.audio.lead + (await ffprobeMedia(ctx.tools.ffprobe, job.audio.file)).duration;
  return mode === "cut_off" ? Math.min(audio, sent) : audio;
}

const AUDIO_TYPES: Record<string, string> = {
  wav: "audio/wav",
  mp3: "audio/mpeg",
  m4a: "audio/mp4",
  ogg: "audio/ogg",
  flac: "audio/flac",
};

function audioType(file: string): string {
  return AUDIO_TYPES[file.split(".").pop()?.toLowerCase() ?? ""] ?? "application/octet-stream";
}
