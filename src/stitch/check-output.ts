// ffmpeg can exit 0 after a write failed (a full disk): its output is read before it is kept, so a film or a
// piece cut short is an error naming the file, never a film without its index.
import { RunError } from "../errors.js";
import { ffprobeMedia } from "../media/probe.js";
import { readMp4 } from "../media/mp4.js";
import { spaceLeft } from "../cache/checked-write.js";

// `file` must be a whole mp4 (every box there, moov included) within `tolerance` of `seconds` long (when
// known); `shown` is the file the user will know it by (the film, not its temp file).
export async function checkMp4(
  file: string,
  shown: string,
  seconds: number,
  tolerance: number,
  ffprobe: string,
): Promise<void> {
  const reading = await readMp4(file);
  if (reading.kind === "incomplete")
    throw new RunError(
      `cannot write ${shown}: it came out incomplete (${reading.why})${await spaceLeft(file)}`,
    );
  // A layout the in-process reader does not know: ffprobe measures it.
  const duration =
    reading.kind === "read" ? reading.info.duration : (await ffprobeMedia(ffprobe, file)).duration;
  if (seconds > 0 && Math.abs(duration - seconds) > tolerance)
    throw new RunError(
      `cannot write ${shown}: it came out ${duration.toFixed(3)} s long, not ${seconds.toFixed(3)} s${await spaceLeft(file)}`,
    );
}
