// The film's edit as a timeline, in whole frames at the film's rate: each clip's kept source range, where it
// starts in the film (inside the transition into it), and the sound laid over it. PURE: built from what the
// stitch stage uses, so the timeline's length is the film's, to the frame.
import { frameTiming, type Profile, type StitchClip } from "../stitch/profile.js";
import { clipStarts } from "../stitch/sound-graph.js";
import type { TransitionType } from "../storyboard/types.js";

export interface TimelineClip {
  shot: string;
  file: string;
  // The frame of the clip file where the kept part starts, and how many frames are kept.
  sourceIn: number;
  length: number;
  // The whole clip file, in frames.
  sourceFrames: number;
  // The film frame it starts at; a transition into it overlaps the previous clip by `transition.frames`.
  start: number;
  transition: { type: TransitionType; frames: number };
  hasAudio: boolean;
  // What an editor should know about the shot: id, prompt, key, take, model, request id, cost, sha256.
  metadata: Record<string, unknown>;
}

export interface TimelineSound {
  file: string;
  // Film frame it starts at, and how many frames of it play.
  start: number;
  frames: number;
  // The sound file's own length in frames, when known.
  sourceFrames?: number;
  name: string;
  metadata: Record<string, unknown>;
}

export interface Timeline {
  name: string;
  fps: number;
  width: number;
  height: number;
  totalFrames: number;
  clips: TimelineClip[];
  music?: TimelineSound & { volumeDb: number };
  voices: TimelineSound[];
}

export function timelineClips(
  clips: StitchClip[],
  profile: Profile,
  metadata: (clip: StitchClip, index: number) => Record<string, unknown>,
): { clips: TimelineClip[]; totalFrames: number } {
  const timing = frameTiming(clips, profile.fps);
  const starts = clipStarts(timing);
  return {
    totalFrames: timing.totalFrames,
    clips: clips.map((c, i) => ({
      shot: c.shot,
      file: c.file,
      // The film's trim keeps the frames at or after its start time: the first whole frame from there.
      sourceIn: Math.ceil((c.trim?.start ?? 0) * profile.fps - 1e-6),
      length: timing.lengths[i]!,
      sourceFrames: Math.round(c.media.duration * profile.fps),
      start: starts[i]!,
      transition: { type: i === 0 ? "cut" : c.transition.type, frames: timing.overlaps[i]! },
      hasAudio: c.media.audio !== undefined,
      metadata: metadata(c, i),
    })),
  };
}

// Where an editor's cut falls inside each transition (its middle), and so the part of each clip that plays
// alone between cuts: editors lay clips end to end and draw a transition across each cut from handles.
export function cutPoints(t: Pick<Timeline, "clips" | "totalFrames">): number[] {
  return [
    ...t.clips.map((c, i) => (i === 0 ? 0 : c.start + Math.floor(c.transition.frames / 2))),
    t.totalFrames,
  ];
}

// A bed shorter than the film plays again from its start, as the film's mix loops it.
export function loopedMusic(music: NonNullable<Timeline["music"]>, total: number): TimelineSound[] {
  const length = music.sourceFrames && music.sourceFrames > 0 ? music.sourceFrames : total;
  const out: TimelineSound[] = [];
  for (let at = 0; at < total; at += length)
    out.push({ ...music, start: at, frames: Math.min(length, total - at) });
  return out;
}

// Sounds in lanes that never overlap (a voice-over that runs past its shot plays over the next one's, as in the
// film): each lane becomes a track of its own.
export function soundLanes(sounds: TimelineSound[]): TimelineSound[][] {
  const lanes: Array<{ end: number; sounds: TimelineSound[] }> = [];
  for (const s of [...sounds].sort((a, b) => a.start - b.start)) {
    const lane = lanes.find((l) => l.end <= s.start);
    if (lane) {
      lane.sounds.push(s);
      lane.end = s.start + s.frames;
    } else lanes.push({ end: s.start + s.frames, sounds: [s] });
  }
  return lanes.map((l) => l.sounds);
}
