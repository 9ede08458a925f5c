// ffprobe a media file into the few facts storyreel checks.
import { runTool } from "./run.js";

export interface MediaInfo {
  duration: number;
  video?: { codec: string; width: number; height: number; fps: number; pixFmt: string; sar: string };
  audio?: { codec: string; sampleRate: number; channels: number };
}

export async function probeMedia(ffprobe: string, file: string): Promise<MediaInfo> {
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
