// Take one frame of a clip as a PNG: the first, the last, or the one at a time in seconds.
import { availableParallelism } from "node:os";
import { removeIfExists, statIfExists } from "../util/fs.js";
import type { MediaTools } from "./binaries.js";
import { FFMPEG_PREAMBLE, runTool } from "./run.js";

// The ffmpeg commands that take the frame, in order: the first that writes the image has taken it.
export function frameAttempts(clip: string, at: "first" | "last" | number, out: string): string[][] {
  // The last frame: the clip's end reversed and the first frame of it written, so one image is encoded
  // (writing each over the one before cost a PNG encode a frame: 126-354 ms a link). A quarter second holds
  // the last frame unless the sound outlasts the picture by more (the end is the container's); then the last
  // second. The frames reversed are held at once: 24 of them cost 6,000 page faults (about 10 ms).
  if (at === "last") return ["-0.25", "-1"].map((fromEnd) => lastFrameArgs(clip, fromEnd, out));
  const seek = at === "first" ? [] : ["-ss", String(at)];
  return [[...FFMPEG_PREAMBLE, ...seek, "-i", clip, "-map", "0:v:0", "-frames:v", "1", ...PNG_OUT, out]];
}

function lastFrameArgs(clip: string, fromEnd: string, out: string): string[] {
  return [
    ...FFMPEG_PREAMBLE,
    // A decoder thread a core: ffmpeg's own choice (one more) had three threads share two cores, 6 ms slower
    // (70 against 64 ms, hyperfine, the bundled 4.1). The pixels are the same with any number.
    "-threads",
    String(DECODE_THREADS),
    "-sseof",
    fromEnd,
    "-i",
    clip,
    "-map",
    "0:v:0",
    "-vf",
    "reverse",
    "-frames:v",
    "1",
    ...PNG_OUT,
    out,
  ];
}

const DECODE_THREADS = Math.min(16, availableParallelism());

// zlib's fastest level: the same pixels, 8 ms less for a 720p frame and, for camera footage, no larger.
const PNG_OUT = ["-compression_level", "1", "-f", "image2"];

// Writes the frame to `out`, or nothing when the clip has no such frame. The quick ffmpeg first; a clip it
// cannot read (an older build: a codec it lacks) is taken by the configured one.
export async function writeFrame(
  tools: MediaTools,
  clip: string,
  at: "first" | "last" | number,
  out: string,
): Promise<void> {
  const binaries = tools.quickFfmpeg ? [tools.quickFfmpeg, tools.ffmpeg] : [tools.ffmpeg];
  let failure: unknown;
  for (const ffmpeg of binaries) {
    try {
      for (const args of frameAttempts(clip, at, out)) {
        await runTool(ffmpeg, args);
        if (await statIfExists(out)) return;
      }
      return;
    } catch (err) {
      failure = err;
      await removeIfExists(out);
    }
  }
  throw failure;
}
