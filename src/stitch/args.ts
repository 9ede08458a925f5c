// ffmpeg argv for each way of making the film (pure; tests compare arrays, logs print them quoted).
import { FFMPEG_PREAMBLE } from "../media/run.js";
import type { Graph } from "./graph.js";
import type { Profile, StitchClip } from "./profile.js";

const PROGRESS = ["-progress", "pipe:1", "-nostats"];
export const VIDEO_CODEC = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"];
const AUDIO_CODEC = ["-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2"];

export function concatCopyArgs(listFile: string, out: string): string[] {
  return [
    ...FFMPEG_PREAMBLE,
    ...PROGRESS,
    "-f",
    "concat",
    "-safe",
    "0",
    "-i",
    listFile,
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

// One normalised video segment (a clip, or clips joined by transitions), no audio.
export function segmentArgs(clips: StitchClip[], graph: Graph, profile: Profile, out: string): string[] {
  return [
    ...FFMPEG_PREAMBLE,
    ...PROGRESS,
    ...clips.flatMap((c) => ["-i", c.file]),
    "-filter_complex",
    graph.filter,
    "-map",
    graph.output,
    "-an",
    ...VIDEO_CODEC,
    "-r",
    String(profile.fps),
    "-f",
    "mp4",
    out,
  ];
}

// The film: the segments joined by stream copy, with the whole film's audio made in one pass from the clips.
export function muxArgs(
  segmentList: string,
  clips: StitchClip[],
  audio: Graph,
  out: string,
  soundInputs: string[] = [],
): string[] {
  return [
    ...FFMPEG_PREAMBLE,
    ...PROGRESS,
    "-f",
    "concat",
    "-safe",
    "0",
    "-i",
    segmentList,
    ...clips.flatMap((c) => ["-i", c.file]),
    ...soundInputs,
    "-filter_complex",
    audio.filter,
    "-map",
    "0:v",
    "-map",
    audio.output,
    "-c:v",
    "copy",
    ...AUDIO_CODEC,
    "-movflags",
    "+faststart",
    "-f",
    "mp4",
    out,
  ];
}

// The segment list format is the concat demuxer's, like concatList.
export function fileList(files: string[]): string {
  return files.map((f) => `file '${f.replace(/'/g, "'\\''")}'\n`).join("");
}

export function loudnessMeasureArgs(film: string, target: number): string[] {
  return [
    "-hide_banner",
    "-nostdin",
    "-nostats",
    "-i",
    film,
    "-vn",
    "-af",
    `loudnorm=I=${target}:TP=-1.5:LRA=11:print_format=json`,
    "-f",
    "null",
    "-",
  ];
}

export interface LoudnessMeasurement {
  input_i: string;
  input_tp: string;
  input_lra: string;
  input_thresh: string;
  target_offset: string;
}

export function loudnessApplyArgs(
  film: string,
  target: number,
  m: LoudnessMeasurement,
  out: string,
): string[] {
  const filter = `loudnorm=I=${target}:TP=-1.5:LRA=11:measured_I=${m.input_i}:measured_TP=${m.input_tp}:measured_LRA=${m.input_lra}:measured_thresh=${m.input_thresh}:offset=${m.target_offset}:linear=true`;
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

// Captions burned into the picture with libass; the captions file is named relative to ffmpeg's folder, so
// no path needs escaping inside the filter. The audio is copied.
export function burnArgs(film: string, captionsFile: string, out: string): string[] {
  const style = "FontName=DejaVu Sans,Fontsize=20,Outline=1,Shadow=0,MarginV=16";
  return [
    ...FFMPEG_PREAMBLE,
    ...PROGRESS,
    "-i",
    film,
    "-vf",
    `subtitles=filename=${captionsFile}:force_style='${style}'`,
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
