// Take one frame of a clip as a PNG: the first, the last, or the one at a time in seconds.
import { FFMPEG_PREAMBLE } from "./run.js";

export function frameArgs(clip: string, at: "first" | "last" | number, out: string): string[] {
  // The last frame: the last second's frames, reversed, and the first of them written, so one image is encoded
  // (writing each over the one before cost a PNG encode a frame: 126-354 ms a link). The second is kept, not
  // shortened: a clip's sound may outlast its picture by a little, and the end is the container's.
  if (at === "last") {
    return [
      ...FFMPEG_PREAMBLE,
      "-sseof",
      "-1",
      "-i",
      clip,
      "-map",
      "0:v:0",
      "-vf",
      "reverse",
      "-frames:v",
      "1",
      "-f",
      "image2",
      out,
    ];
  }
  const seek = at === "first" ? [] : ["-ss", String(at)];
  return [...FFMPEG_PREAMBLE, ...seek, "-i", clip, "-map", "0:v:0", "-frames:v", "1", "-f", "image2", out];
}
