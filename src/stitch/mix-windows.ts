// PURE: the soundtrack's chunks keyed by their inputs. Each chunk's samples are shaped only by what plays in
// its window: its own span, the encoder's context either side, and a pre-roll before it in which the duck's
// compressor and the loudness meter's filters settle (the compressor's release, 300 ms, moves its state 1/3600
// of the way a sample: after PREROLL what it started from is below 1e-5, and measured the same to the bit,
// test/e2e/windowed-mix.test.ts). The key hashes what plays there
// (each clip's audio, its place and crossfades, each voice-over and the bed with their places, the mix's
// settings), so a chunk an edit does not reach keeps its key and is neither mixed nor encoded again.
import { canonicalJson, sha256 } from "../util/hash.js";
import { CONTEXT } from "./encoded-audio.js";
import { SAMPLE_RATE } from "./graph.js";
import type { StitchClip, Timing } from "./profile.js";
import { bedFades, DUCK, type FilmSound, placeVoices } from "./sound-graph.js";

export const PREROLL = SAMPLE_RATE;
// Bump when the mix changes, so no chunk of an older mix is reused.
export const MIX_FORMAT = 1;
// Windows start on a whole millisecond, so a voice-over is delayed in whole milliseconds as in the single pass.
const MS = SAMPLE_RATE / 1000;

// Clip i's audio in the film: from `start` for `length` samples, the first `into` and last `outOf` shared
// with its neighbours' crossfades (the single pass's rounding, clip by clip).
export interface ClipSpan {
  start: number;
  length: number;
  into: number;
  outOf: number;
}

export function clipSpans(timing: Timing, fps: number): ClipSpan[] {
  const samples = (frames: number) => Math.round((frames / fps) * SAMPLE_RATE);
  let start = 0;
  return timing.lengths.map((len, i) => {
    const span = {
      start,
      length: samples(len),
      into: samples(timing.overlaps[i]!),
      outOf: samples(timing.overlaps[i + 1] ?? 0),
    };
    start += span.length - span.outOf;
    return span;
  });
}

// The soundtrack's length: the film's to the sample with sound, else the clips' crossfaded audio as it is.
export function soundtrackSamples(spans: ClipSpan[], filmSamples: number, sound: boolean): number {
  const last = spans.at(-1)!;
  return sound ? filmSamples : last.start + last.length;
}

// The samples a chunk's key covers: [from, to).
export function chunkWindow(bounds: number[], k: number): { from: number; to: number } {
  const from = Math.max(0, Math.floor((bounds[k]! - CONTEXT - PREROLL) / MS) * MS);
  return { from, to: Math.min(bounds.at(-1)!, bounds[k + 1]! + CONTEXT) };
}

// The clips a window's dialogue is made from, first..last, as a chain of their own (the first entered by a
// cut) that starts at film sample `start` and gives the single pass's samples from `from` on: it starts at a
// clip whose crossfade in is over by then, and is cut off (`endCut` samples short of its last clip) at or
// after `to`, outside any crossfade. `end` is where the chain ends (>= to unless the film ends first).
export function dialogueSlice(spans: ClipSpan[], from: number, to: number) {
  const roomy = (s: ClipSpan) => s.length - s.outOf >= s.into;
  let first = spans.length - 1;
  while (first > 0 && !(roomy(spans[first]!) && spans[first]!.start + spans[first]!.into <= from)) first--;
  for (let last = first; ; last++) {
    const s = spans[last]!;
    const own = s.start + s.length - s.outOf;
    const end = Math.max(to, s.start + s.into);
    if (last === spans.length - 1) {
      const cutAt = Math.min(end, s.start + s.length);
      return { first, last, start: spans[first]!.start, end: cutAt, endCut: s.start + s.length - cutAt };
    }
    if (roomy(s) && end <= own)
      return { first, last, start: spans[first]!.start, end, endCut: s.start + s.length - end };
  }
}

export interface KeySources {
  clips: StitchClip[];
  spans: ClipSpan[];
  timing: Timing;
  fps: number;
  total: number;
  sound?: FilmSound;
  // sha256 of each voice-over's file and of the bed's.
  voiceHashes: string[];
  bedHash?: string;
  // The version of the ffmpeg that mixes and encodes: a film's chunks all come from one.
  binary: string;
}

// The key of the mix's samples in [from, to): everything that plays there, placed relative to `from`.
export function windowKey(w: { from: number; to: number }, s: KeySources): string {
  const { from, to } = w;
  const clips = s.spans.flatMap((span, i) => {
    if (span.start >= to || span.start + span.length <= from) return [];
    const c = s.clips[i]!;
    return [{ key: c.key, trim: c.trim ?? null, audio: !!c.media.audio, ...span, start: span.start - from }];
  });
  const sound = s.sound;
  const voices = sound
    ? placeVoices(sound, s.timing, s.fps).flatMap((lane, j) =>
        lane
          .filter((v) => v.at < to && v.until > from)
          .map((v) => ({
            lane: j,
            file: s.voiceHashes[v.k],
            at: v.at - from,
            until: Math.min(v.until, to) - from,
          })),
      )
    : [];
  const m = sound?.music;
  const bed = m && {
    file: s.bedHash,
    // Its place in its loop, and the fades that reach the window (film time).
    from,
    volume_db: m.volumeDb,
    duck: m.duck ? DUCK : false,
    fades: bedFades(m, s.timing.totalFrames / s.fps)
      .filter((f) => f.from * SAMPLE_RATE < to && f.to * SAMPLE_RATE > from)
      .map((f) => f.filter),
  };
  return sha256(
    canonicalJson({
      mix_format: MIX_FORMAT,
      binary: s.binary,
      sample_rate: SAMPLE_RATE,
      length: to - from,
      ends_film: to === s.total,
      starts_film: from === 0,
      clips,
      voices,
      bed: bed ?? null,
    }),
  );
}
