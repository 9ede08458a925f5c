// The few facts storyreel checks about a media file: read in process for the mp4s it knows, else by ffprobe.
import { RunError } from "../errors.js";
import type { MediaInfo } from "./media-info.js";
import { readMp4 } from "./mp4.js";
import { runTool } from "./run.js";
import path from "node:path";
import { stat } from "node:fs/promises";

export type { MediaInfo };

export async function probeMedia(ffprobe: string, file: string): Promise<MediaInfo> {
  const reading = await readMp4(file);
  if (reading.kind === "read") return reading.info;
  if (reading.kind === "incomplete") throw new RunError(`${file} is incomplete: ${reading.why}`);
  return ffprobeMedia(ffprobe, file);
}

// A file probed again while it is unchanged (the music bed: checked before anything is paid, then measured
// for the mix) costs no second ffprobe process. Unchanged: the same inode, size, mtime and ctime.
const probed = new Map<string, Promise<MediaInfo>>();

// What ffprobe reports; the reference the in-process reader is tested against.
export async function ffprobeMedia(ffprobe: string, file: string): Promise<MediaInfo> {
  // A file that cannot be stat'ed is not remembered: ffprobe runs and reports the problem in its own words.
  const identity = await stat(file).catch((err: unknown) => ({ unreadable: err }));
  if ("unreadable" in identity) return runFfprobe(ffprobe, file);
  const key = [
    ffprobe,
    path.resolve(file),
    identity.ino,
    identity.size,
    identity.mtimeMs,
    identity.ctimeMs,
  ].join("\0");
  let info = probed.get(key);
  if (!info) {
    info = runFfprobe(ffprobe, file);
    probed.set(key, info);
    // A failure is not remembered: the next call asks ffprobe again.
    info.catch(() => probed.delete(key));
  }
  return info;
}

async function runFfprobe(ffprobe: string, file: string): Promise<MediaInfo> {
  const out = await runTool(ffprobe, [
    "-v",
    "error",
    "-print_format",
    "json",
    "-show_format",
    "-show_streams",
    file,
  ]);
  const json = JSON.parse(out) as {
    format?: { duration?: string };
    streams?: Array<Record<string, string | number | undefined>>;
  };
  const v = json.streams?.find((s) => s.codec_type === "video");
  const a = json.streams?.find((s) => s.codec_type === "audio");
  return {
    duration: Number(json.format?.duration ?? v?.duration ?? 0),
    ...(v && {
      video: {
        codec: String(v.codec_name),
        width: Number(v.width),
        height: Number(v.height),
        fps: rate(String(v.avg_frame_rate ?? v.r_frame_rate ?? "0/1")),
        pixFmt: String(v.pix_fmt),
        sar: String(v.sample_aspect_ratio ?? "1:1"),
      },
    }),
    ...(a && {
      audio: { codec: String(a.codec_name), sampleRate: Number(a.sample_rate), channels: Number(a.channels) },
    }),
  };
}

function rate(fraction: string): number {
  const [n, d] = fraction.split("/").map(Number);
  return d ? n! / d : Number(n);
}
