// ffmpeg argv for each way of making the film (pure; tests compare arrays, logs print them quoted).
import { FFMPEG_PREAMBLE, X264_THREADS } from "../media/run.js";
import type { Graph } from "./graph.js";
import type { Profile, StitchClip } from "./profile.js";

const PROGRESS = ["-progress", "pipe:1", "-nostats"];
export const VIDEO_CODEC = [
  ...["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"],
  ...X264_THREADS,
];
// The fast coder: about 4x faster than twoloop (a 900 s film's audio: 12 s against 47 s, most of a long
// film's re-stitch), and at 192k no worse to hear: FFmpeg's own reason for making it the default in 2018
// (commit fcb681ac; ffmpeg 4.1 still has it as default, 5.1 went back to twoloop).
export const AUDIO_CODEC = ["-c:a", "aac", "-aac_coder", "fast", "-b:a", "192k", "-ar", "48000", "-ac", "2"];

export function concatCopyArgs(listFile: string, out: string): string[] {
  return [
    ...FFMPEG_PREAMBLE,
    ...PROGRESS,
    ...concatInput(listFile),
    "-map",
    "0",
    "-c",
    "copy",
    "-movflags",
    "+faststart",
    "-f",
    "mp4",
    out,
  ];
}

// The concat demuxer's list format: one `file '<path>'` line per clip, single quotes escaped.
export function concatList(clips: StitchClip[]): string {
  return fileList(clips.map((c) => c.file));
}

// One normalised piece of the film (a window or a stretch), video only. `threads` caps the decoders and
// the filters (each thread holds frames of its own), which give the same pixels however many they are:
// pieces encoded side by side share the cores instead of each taking all of them. x264's threads are fixed
// (VIDEO_CODEC), since they reach the bytes.
export function segmentArgs(
  clips: StitchClip[],
  graph: Graph,
  profile: Profile,
  out: string,
  threads?: number,
): string[] {
  return piecesArgs(clips, graph.filter, [{ label: graph.output, file: out }], profile, threads);
}

// Several pieces from one filtergraph, each its own output file (encoded exactly as it would be alone).
export function piecesArgs(
  clips: StitchClip[],
  filter: string,
  outputs: Array<{ label: string; file: string }>,
  profile: Profile,
  threads?: number,
): string[] {
  const t = threads === undefined ? [] : ["-threads", String(threads)];
  return [
    ...FFMPEG_PREAMBLE,
    ...PROGRESS,
    ...clips.flatMap((c) => [...t, "-i", c.file]),
    ...(threads === undefined ? [] : ["-filter_complex_threads", String(threads)]),
    "-filter_complex",
    filter,
    ...outputs.flatMap((o) => [
      ...["-map", o.label, "-an"],
      ...VIDEO_CODEC,
      ...["-r", String(profile.fps), "-f", "mp4", o.file],
    ]),
  ];
}

// The film's audio as raw stereo 32-bit float PCM at 48 kHz: what the chunks are keyed by and encoded from.
export function audioPcmArgs(inputs: string[], audio: Graph, out: string): string[] {
  return [
    ...FFMPEG_PREAMBLE,
    ...PROGRESS,
    ...inputs,
    "-filter_complex",
    audio.filter,
    "-map",
    audio.output,
    ...PCM,
    out,
  ];
}

const PCM = ["-c:a", "pcm_f32le", "-ar", "48000", "-ac", "2", "-f", "f32le"];
export const PCM_INPUT = ["-f", "f32le", "-ar", "48000", "-ac", "2"];

// A sound file's first audio stream as the mix takes it (48 kHz stereo), as raw PCM.
export function decodePcmArgs(file: string, out: string): string[] {
  return [
    ...FFMPEG_PREAMBLE,
    "-i",
    file,
    "-map",
    "0:a:0",
    "-af",
    "aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo",
    ...PCM,
    out,
  ];
}

// Raw PCM encoded to AAC as ADTS (each packet with its length, split by the caller).
export function encodeAudioArgs(pcm: string, out: string): string[] {
  return [...FFMPEG_PREAMBLE, ...PCM_INPUT, "-i", pcm, ...AUDIO_CODEC, "-f", "adts", out];
}

// The film: the pieces joined by stream copy, and the encoded audio copied, its first packet (the encoder's
// priming) placed before zero so the mp4 skips it as a single pass's would.
export function muxEncodedArgs(segmentList: string, aac: string, out: string): string[] {
  return [
    ...FFMPEG_PREAMBLE,
    ...PROGRESS,
    ...concatInput(segmentList),
    "-itsoffset",
    String(-1024 / 48000),
    "-f",
    "aac",
    "-i",
    aac,
    "-map",
    "0:v",
    "-map",
    "1:a",
    "-c",
    "copy",
    "-movflags",
    "+faststart",
    "-f",
    "mp4",
    out,
  ];
}

// EBU R128 of raw PCM (see loudnessMeasureArgs).
export function pcmLoudnessArgs(pcm: string): string[] {
  return [
    "-hide_banner",
    "-nostdin",
    "-nostats",
    ...PCM_INPUT,
    "-i",
    pcm,
    "-af",
    "ebur128=peak=true:framelog=verbose",
    "-f",
    "null",
    "-",
  ];
}

// One linear gain on raw PCM; a limiter at -1 dBFS only when that gain would push the peaks over it.
export function pcmGainArgs(pcm: string, gainDb: number, limit: boolean, out: string): string[] {
  return [...FFMPEG_PREAMBLE, ...PCM_INPUT, "-i", pcm, "-af", gainFilter(gainDb, limit), ...PCM, out];
}

function gainFilter(gainDb: number, limit: boolean): string {
  return `volume=${gainDb.toFixed(2)}dB${limit ? ",alimiter=limit=0.891:attack=5:release=50:level=0" : ""}`;
}

export function clipInputs(clips: StitchClip[]): string[] {
  return clips.flatMap((c) => ["-i", c.file]);
}

// Files listed in `list`, read one after another as one input.
export function concatInput(list: string): string[] {
  return ["-f", "concat", "-safe", "0", "-i", list];
}

// One chunk of the clips' audio, as 32-bit float PCM (what the graph computes in, so the join loses nothing).
export function audioChunkArgs(clips: StitchClip[], graph: Graph, out: string): string[] {
  return [
    ...FFMPEG_PREAMBLE,
    ...PROGRESS,
    ...clipInputs(clips),
    "-filter_complex",
    graph.filter,
    "-map",
    graph.output,
    "-c:a",
    "pcm_f32le",
    "-f",
    "wav",
    out,
  ];
}

// The segment list format is the concat demuxer's, like concatList. A file's exact length in seconds, when
// given, is where the next one starts: otherwise the demuxer takes the container's, rounded to the
// millisecond, and every join of a piece that is not a whole number of milliseconds drifts the picture.
export function fileList(files: string[], seconds?: number[]): string {
  return files
    .map((f, i) => {
      const line = `file '${f.replace(/'/g, "'\\''")}'\n`;
      return seconds ? `${line}duration ${seconds[i]!.toFixed(6)}\n` : line;
    })
    .join("");
}

// EBU R128 (ebur128): the integrated loudness and the true peak, printed in the summary on stderr.
export function loudnessMeasureArgs(film: string): string[] {
  return [
    "-hide_banner",
    "-nostdin",
    "-nostats",
    "-i",
    film,
    "-vn",
    "-af",
    "ebur128=peak=true:framelog=verbose",
    "-f",
    "null",
    "-",
  ];
}

export interface LoudnessMeasurement {
  integrated: number;
  truePeak: number;
}

// The last summary's "I:" and "Peak:" values; undefined when ffmpeg printed none (a film without sound).
export function parseLoudness(stderr: string): LoudnessMeasurement | undefined {
  const summary = stderr.slice(stderr.lastIndexOf("Summary:"));
  const integrated = Number(/I:\s+(-?[\d.]+|-inf) LUFS/.exec(summary)?.[1]);
  const truePeak = Number(/Peak:\s+(-?[\d.]+|-inf) dBFS/.exec(summary)?.[1] ?? Number.NaN);
  if (!Number.isFinite(integrated)) return undefined;
  return { integrated, truePeak: Number.isFinite(truePeak) ? truePeak : -Infinity };
}

// One linear gain to the target; a limiter at -1 dBFS only when that gain would push the peaks over it.
export function loudnessApplyArgs(film: string, gainDb: number, limit: boolean, out: string): string[] {
  const filter = gainFilter(gainDb, limit);
  return [
    ...FFMPEG_PREAMBLE,
    ...PROGRESS,
    "-i",
    film,
    "-map",
    "0:v",
    "-map",
    "0:a",
    "-c:v",
    "copy",
    "-af",
    filter,
    ...AUDIO_CODEC,
    "-movflags",
    "+faststart",
    "-f",
    "mp4",
    out,
  ];
}

// Captions burned into the picture with libass from an ASS script (its style sized to the film); the file is
// named relative to ffmpeg's folder, so no path needs escaping inside the filter. The audio is copied.
export function burnArgs(film: string, captionsFile: string, out: string): string[] {
  return [
    ...FFMPEG_PREAMBLE,
    ...PROGRESS,
    "-i",
    film,
    "-vf",
    `subtitles=filename=${captionsFile}`,
    "-map",
    "0:v",
    "-map",
    "0:a?",
    ...VIDEO_CODEC,
    "-c:a",
    "copy",
    "-movflags",
    "+faststart",
    "-f",
    "mp4",
    out,
  ];
}
