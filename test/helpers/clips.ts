// Tiny real clips for stitch tests (160x90-ish, 1-2 s), made once per shape with the system ffmpeg.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { findMediaTools, type MediaTools } from "../../src/media/binaries.js";
import { probeMedia } from "../../src/media/probe.js";
import type { StitchClip } from "../../src/stitch/profile.js";

export interface ClipShape {
  w?: number;
  h?: number;
  fps?: number;
  seconds?: number;
  audio?: boolean;
  hue?: number;
}

const dir = path.join(tmpdir(), "storyreel-test-clips");

export function makeClip({
  w = 160,
  h = 90,
  fps = 24,
  seconds = 2,
  audio = true,
  hue = 0,
}: ClipShape = {}): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${w}x${h}-${fps}-${seconds}-${audio ? "a" : "n"}-${hue}.mp4`);
  if (existsSync(file)) return file;
  const tmp = `${file}.${process.pid}.tmp.mp4`;
  execFileSync("ffmpeg", [
    "-v",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    `testsrc2=s=${w}x${h}:r=${fps}:d=${seconds},hue=h=${hue}`,
    ...(audio
      ? [
          "-f",
          "lavfi",
          "-i",
          `sine=frequency=${300 + hue}:sample_rate=44100:duration=${seconds}`,
          "-c:a",
          "aac",
          "-ac",
          "2",
        ]
      : []),
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-pix_fmt",
    "yuv420p",
    "-g",
    String(fps),
    "-t",
    String(seconds),
    tmp,
  ]);
  renameSync(tmp, file);
  return file;
}

export async function stitchClip(
  file: string,
  extra: Partial<StitchClip> = {},
  tools: MediaTools = findMediaTools(process.env),
): Promise<StitchClip> {
  return {
    shot: path.basename(file),
    key: path.basename(file),
    file,
    media: await probeMedia(tools.ffprobe, file),
    transition: { type: "cut", duration: 0 },
    ...extra,
  };
}

export const BUNDLED: MediaTools = (() => {
  const tools = findMediaTools({ PATH: "" });
  return tools;
})();
