// ffprobe and ffmpeg read-backs for assertions on outcomes: streams, durations, decoded audio, frame hashes.
import { execa } from "execa";

export interface Probe {
  // The container's duration in seconds.
  duration: number;
  streams: Array<{
    codec_type: string;
    codec_name: string;
    duration: number;
    width?: number;
    height?: number;
  }>;
  // codec_type per stream, in order ("video", "audio").
  types: string[];
  // Each stream's own duration, in order.
  durations: number[];
}

export async function probe(file: string, ffprobe = "ffprobe"): Promise<Probe> {
  const { stdout } = await execa(ffprobe, [
    "-v",
    "error",
    "-print_format",
    "json",
    "-show_format",
    "-show_streams",
    file,
  ]);
  const json = JSON.parse(stdout) as {
    format: { duration: string };
    streams: Array<{
      codec_type: string;
      codec_name: string;
      duration: string;
      width?: number;
      height?: number;
    }>;
  };
  const streams = json.streams.map((s) => ({ ...s, duration: Number(s.duration) }));
  return {
    duration: Number(json.format.duration),
    streams,
    types: streams.map((s) => s.codec_type),
    durations: streams.map((s) => s.duration),
  };
}

// md5 per video packet (copy: true) or per decoded frame (copy: false).
export async function frameHashes(file: string, copy: boolean): Promise<string[]> {
  const { stdout } = await execa("ffmpeg", [
    "-v",
    "error",
    "-i",
    file,
    "-map",
    "0:v",
    ...(copy ? ["-c", "copy"] : []),
    "-f",
    "framemd5",
    "-",
  ]);
  return stdout
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .map((l) => l.split(",").pop()!.trim());
}

// Seconds of audio actually decoded, so a silent gap or a short track cannot hide behind container metadata.
export async function decodedAudioSeconds(file: string): Promise<number> {
  const { stdout } = await execa("ffprobe", [
    "-v",
    "error",
    "-select_streams",
    "a",
    "-count_packets",
    "-show_entries",
    "stream=duration",
    "-of",
    "csv=p=0",
    file,
  ]);
  return Number(stdout.trim());
}

// Whether the whole file decodes without a single error, and its container duration.
export async function decodesCleanly(file: string): Promise<{ ok: boolean; duration: number }> {
  const decode = await execa("ffmpeg", ["-v", "error", "-i", file, "-f", "null", "-"], { reject: false });
  const info = await execa(
    "ffprobe",
    ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file],
    { reject: false },
  );
  return { ok: decode.exitCode === 0 && decode.stderr === "", duration: Number(info.stdout) };
}
