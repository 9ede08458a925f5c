// The few facts storyreel checks about a media file: read in process for the mp4s it knows, else by ffprobe.
import { RunError } from "../errors.js";
import type { MediaInfo } from "./media-info.js";
import { readMp4 } from "./mp4.js";
import { runTool } from "./run.js";

export type { MediaInfo };

export async function probeMedia(ffprobe: string, file: string): Promise<MediaInfo> {
  const reading = await readMp4(file);
  if (reading.kind === "read") return reading.info;
  if (reading.kind === "incomplete") throw new RunError(`${file} is incomplete: ${reading.why}`);
  return ffprobeMedia(ffprobe, file);
}

// What ffprobe reports; the reference the in-process reader is tested against.
export async function ffprobeMedia(ffprobe: string, file: string): Promise<MediaInfo> {
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
