// Tiny real clips (h264, optionally aac) made once per shape with the system ffmpeg and reused across runs:
// the stitch tests, the fake fal server's videos and the benchmarks all take theirs from here.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { findMediaTools, type MediaTools } from "../src/media/binaries.js";
import { probeMedia } from "../src/media/probe.js";
import type { StitchClip } from "../src/stitch/profile.js";

export interface ClipShape {
  w?: number;
  h?: number;
  fps?: number;
  seconds?: number;
  audio?: boolean;
  // Rotates testsrc2's colours, so clips of one shape still differ.
  hue?: number;
  sampleRate?: number;
  // The sine's pitch (default 300 + hue).
  frequency?: number;
  // Keyframe interval in frames (default: one per second; null: ffmpeg's default).
  gop?: number | null;
  // A constant video bitrate such as "2M" (default: x264's choice).
  bitrate?: string;
}

const DIR = path.join(tmpdir(), "storyreel-testkit-clips");

export function makeClip(shape: ClipShape = {}): string {
  const {
    w = 160,
    h = 90,
    fps = 24,
    seconds = 2,
    audio = true,
    hue = 0,
    sampleRate = 44100,
    frequency = 300 + hue,
    bitrate,
  } = shape;
  const gop = shape.gop === undefined ? fps : shape.gop;
  mkdirSync(DIR, { recursive: true });
  const name = [
    `${w}x${h}`,
    fps,
    seconds,
    audio ? `a${sampleRate}-${frequency}` : "n",
    hue,
    gop ?? "g",
    bitrate ?? "auto",
  ].join("-");
  const file = path.join(DIR, `${name}.mp4`);
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
          `sine=frequency=${frequency}:sample_rate=${sampleRate}:duration=${seconds}`,
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
    ...(gop === null ? [] : ["-g", String(gop)]),
    ...(bitrate
      ? [
          "-b:v",
          bitrate,
          "-minrate",
          bitrate,
          "-maxrate",
          bitrate,
          "-bufsize",
          bitrate,
          "-x264-params",
          "nal-hrd=cbr:force-cfr=1",
        ]
      : []),
    "-t",
    String(seconds),
    tmp,
  ]);
  renameSync(tmp, file);
  return file;
}

// A clip as the stitcher takes it: probed, with a cut before it unless `extra` says otherwise.
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

// The ffmpeg 4.1 of @ffmpeg-installer (found with an empty PATH, so the system ffmpeg is not picked).
export const BUNDLED: MediaTools = findMediaTools({ PATH: "" });

// An ffmpeg alone, without the quick (bundled) one findMediaTools puts beside a system ffmpeg.
export const alone = (t: MediaTools): MediaTools => ({
  ffmpeg: t.ffmpeg,
  ffprobe: t.ffprobe,
  source: t.source,
});
