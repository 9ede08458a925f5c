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

// RMS level (dB) of one frequency band of a file's audio between two times: a music bed's level under the mix.
export async function bandLevel(
  file: string,
  start: number,
  end: number,
  frequency: number,
): Promise<number> {
  const { stderr } = await execa("ffmpeg", [
    "-hide_banner",
    "-nostats",
    "-i",
    file,
    "-af",
    `atrim=start=${start}:end=${end},bandpass=f=${frequency}:width_type=q:w=20,astats=measure_perchannel=none:measure_overall=RMS_level`,
    "-f",
    "null",
    "-",
  ]);
  return Number(/RMS level dB:\s*(-?[\d.]+|-inf)/.exec(stderr)?.[1] ?? Number.NaN);
}

// Integrated loudness (LUFS) by ffmpeg's ebur128.
export async function integratedLoudness(file: string): Promise<number> {
  const { stderr } = await execa("ffmpeg", [
    "-hide_banner",
    "-nostats",
    "-i",
    file,
    "-af",
    "ebur128",
    "-f",
    "null",
    "-",
  ]);
  return Number(/I:\s+(-?[\d.]+) LUFS/.exec(stderr.slice(stderr.lastIndexOf("Summary")))?.[1]);
}

// A tone as a WAV file (a stand-in voice-over or music bed), made once per shape.
export async function toneFile(
  dir: string,
  frequency: number,
  seconds: number,
  amplitude = 0.25,
): Promise<string> {
  const file = `${dir}/tone-${frequency}-${seconds}-${amplitude}.wav`;
  await execa("ffmpeg", [
    "-v",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    `aevalsrc=${amplitude}*sin(2*PI*${frequency}*t):s=48000:d=${seconds}`,
    "-ac",
    "2",
    file,
  ]);
  return file;
}

// The video frames a decoder reads from the file (not the container's count).
export async function decodedFrames(file: string): Promise<number> {
  const { stdout } = await execa("ffprobe", [
    ...["-v", "error", "-count_frames", "-select_streams", "v:0"],
    ...["-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", file],
  ]);
  return Number(stdout);
}
