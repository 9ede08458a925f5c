// Take one frame of a clip as a PNG: the first, the last, or the one at a time in seconds.
import { FFMPEG_PREAMBLE } from "./run.js";

export function frameArgs(clip: string, at: "first" | "last" | number, out: string): string[] {
  // The last frame: seek to a second before the end and keep overwriting one image, so the final one stays.
  if (at === "last")
    return [
      ...FFMPEG_PREAMBLE,
      "-sseof",
      "-1",
      "-i",
      clip,
      "-map",
      "0:v:0",
      "-update",
      "1",
      "-f",
      "image2",
      out,
    ];
  const seek = at === "first" ? [] : ["-ss", String(at)];
  return [...FFMPEG_PREAMBLE, ...seek, "-i", clip, "-map", "0:v:0", "-frames:v", "1", "-f", "image2", out];
}
