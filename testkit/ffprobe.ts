// ffprobe and ffmpeg read-backs for assertions on outcomes: streams, durations, decoded audio, frame hashes.
import { execa } from "execa";
import { writeFile } from "node:fs/promises";
import { pcmWav } from "./wav.js";

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

// The file's sound decoded to 48 kHz stereo float samples, interleaved: what tests compare sample by sample.
export async function decodedSamples(file: string, ffmpeg = "ffmpeg"): Promise<Float32Array> {
  const { stdout } = await execa(
    ffmpeg,
    ["-v", "error", "-i", file, "-map", "0:a", "-f", "f32le", "-ac", "2", "-ar", "48000", "-"],
    { encoding: "buffer", maxBuffer: 1e9 },
  );
  const b = stdout as unknown as Buffer;
  return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
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

// RMS levels (dB) of one frequency band of a file's audio, one per window [start, end] in seconds: a music
// bed's level under the mix. One ffmpeg process measures every window (asplit), since starting ffmpeg costs
// more than the measuring.
export async function bandLevels(
  file: string,
  frequency: number,
  windows: Array<[start: number, end: number]>,
): Promise<number[]> {
  const split = `[0:a]asplit=${windows.length}${windows.map((_, n) => `[s${n}]`).join("")}`;
  const branches = windows.map(
    ([start, end], n) =>
      `[s${n}]atrim=start=${start}:end=${end},bandpass=f=${frequency}:width_type=q:w=20,` +
      `astats=measure_perchannel=none:measure_overall=RMS_level[o${n}]`,
  );
  const outputs = windows.flatMap((_, n) => ["-map", `[o${n}]`, "-f", "null", "-"]);
  const { stderr } = await execa("ffmpeg", [
    ...["-hide_banner", "-nostats", "-i", file],
    ...["-filter_complex", [split, ...branches].join(";"), ...outputs],
  ]);
  // astats instances are numbered in graph order, so sorting by number gives the windows' order.
  const levels = [...stderr.matchAll(/\[Parsed_astats_(\d+) @ [^\]]+\] RMS level dB:\s*(-?[\d.]+|-inf)/g)]
    .map((m) => ({ n: Number(m[1]), db: Number(m[2]) }))
    .sort((a, b) => a.n - b.n)
    .map((m) => m.db);
  if (levels.length !== windows.length)
    throw new Error(`${levels.length} levels for ${windows.length} windows`);
  return levels;
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

// A tone as a WAV file (a stand-in voice-over or music bed): 16-bit stereo at 48 kHz, written directly, with
// the samples `aevalsrc=amplitude*sin(...)` and `-ac 2` gave (ffmpeg's mono-to-stereo upmix is 3 dB down).
export async function toneFile(
  dir: string,
  frequency: number,
  seconds: number,
  amplitude = 0.25,
): Promise<string> {
  const file = `${dir}/tone-${frequency}-${seconds}-${amplitude}.wav`;
  const rate = 48000;
  const wav = pcmWav({
    rate,
    channels: 2,
    frames: Math.round(seconds * rate),
    sample: (i) => {
      const x = amplitude * Math.SQRT1_2 * Math.sin((2 * Math.PI * frequency * i) / rate);
      return Math.max(-32768, Math.min(32767, Math.round(x * 32768)));
    },
  });
  await writeFile(file, wav);
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
