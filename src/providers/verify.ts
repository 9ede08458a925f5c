// A generated clip must be a real video of about the shot's length before it may enter the cache.
import type { MediaTools } from "../media/binaries.js";
import { probeMedia, type MediaInfo } from "../media/probe.js";
import type { Shot } from "../storyboard/types.js";
import { ProviderError, RunError } from "../errors.js";

export const DURATION_TOLERANCE_S = 0.6;

// How a clip's facts are read: in process for the mp4s it knows (probeMedia), or by ffprobe alone (the bench
// compares the two).
export type Probe = (ffprobe: string, file: string) => Promise<MediaInfo>;

export async function checkClip(
  tools: MediaTools,
  file: string,
  shot: Pick<Shot, "duration">,
  probe: Probe = probeMedia,
): Promise<MediaInfo> {
  let info: MediaInfo;
  try {
    info = await probe(tools.ffprobe, file);
  } catch (err) {
    // The first line is the reason (the rest of an ffprobe failure is its command and output).
    const why =
      err instanceof RunError ? err.message.split("\n")[0]!.replace(`${file} `, "it ") : String(err);
    throw new ProviderError(`the clip is not a readable video: ${why}`, {
      transient: true,
      cause: err,
    });
  }
  if (!info.video) throw new ProviderError("the clip has no video stream", { transient: true });
  if (Math.abs(info.duration - shot.duration) > DURATION_TOLERANCE_S) {
    throw new ProviderError(`the clip lasts ${info.duration.toFixed(2)} s, expected ${shot.duration} s`, {
      transient: true,
    });
  }
  return info;
}
