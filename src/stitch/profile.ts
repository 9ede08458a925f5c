// Pure decisions about the film: its target profile, whether stream copy is safe, and its timing in frames.
import type { MediaInfo } from "../media/probe.js";
import type { Storyboard, TransitionType } from "../storyboard/types.js";

export interface StitchClip {
  shot: string;
  key: string;
  file: string;
  media: MediaInfo;
  trim?: { start: number; end: number };
  transition: { type: TransitionType; duration: number };
}

// A stretch of one clip (frames [from, to) of its normalised frames), or the window where two clips overlap.
export type Piece =
  | { kind: "stretch"; clip: StitchClip; from: number; to: number }
  | { kind: "window"; a: StitchClip; b: StitchClip; aLength: number; frames: number };

export interface Profile {
  width: number;
  height: number;
  fps: number;
}

export function targetProfile(clips: StitchClip[], render: Storyboard["render"]): Profile {
  const first = clips[0]!.media.video!;
  const [width, height] = render.resolution ?? [even(first.width), even(first.height)];
  return { width, height, fps: render.fps ?? Math.round(first.fps * 1000) / 1000 };
}

// Same codec, size, rate, pixel format, SAR and audio layout, only cuts, no trims, no re-timing asked for: concat by copy.
export function canStreamCopy(clips: StitchClip[], render: Storyboard["render"]): boolean {
  return canCopyVideo(clips, render) && render.loudness === undefined;
}

// The clips' video can be joined by stream copy (their audio may still be mixed and encoded).
export function canCopyVideo(clips: StitchClip[], render: Storyboard["render"]): boolean {
  const signature = (m: MediaInfo) =>
    JSON.stringify([
      m.video?.codec,
      m.video?.width,
      m.video?.height,
      m.video?.fps,
      m.video?.pixFmt,
      m.video?.sar,
      m.audio?.codec,
      m.audio?.sampleRate,
      m.audio?.channels,
    ]);
  const first = clips[0]!.media;
  const profile = targetProfile(clips, render);
  return (
    clips.every((c) => signature(c.media) === signature(first) && !c.trim && c.transition.type === "cut") &&
    first.video?.width === profile.width &&
    first.video?.height === profile.height &&
    Math.abs((first.video?.fps ?? 0) - profile.fps) < 1e-6
  );
}

// Every length in whole frames, so video and audio cut at the same instants and never drift apart.
export interface Timing {
  lengths: number[];
  overlaps: number[];
  totalFrames: number;
}

export function frameTiming(clips: StitchClip[], fps: number): Timing {
  const lengths = clips.map((c) => Math.round((c.trim ? c.trim.end - c.trim.start : c.media.duration) * fps));
  const overlaps = clips.map((c, i) =>
    i > 0 && c.transition.type !== "cut" ? Math.round(c.transition.duration * fps) : 0,
  );
  return {
    lengths,
    overlaps,
    totalFrames: lengths.reduce((a, b) => a + b, 0) - overlaps.reduce((a, b) => a + b, 0),
  };
}

function even(n: number): number {
  return Math.round(n / 2) * 2;
}
