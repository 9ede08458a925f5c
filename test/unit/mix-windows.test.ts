// The soundtrack's chunks keyed by what plays in their windows (pure parts): each window reaches back a
// pre-roll, the dialogue chain of a window starts and ends outside any crossfade, and an edit changes the keys
// of exactly the windows its samples reach.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CONTEXT, chunkBounds } from "../../src/stitch/encoded-audio.js";
import {
  chunkWindow,
  clipSpans,
  dialogueSlice,
  type KeySources,
  PREROLL,
  windowKey,
} from "../../src/stitch/mix-windows.js";
import { frameTiming, type StitchClip } from "../../src/stitch/profile.js";
import type { FilmSound } from "../../src/stitch/sound-graph.js";
import { clip } from "../helpers/unit-fixtures.js";

const fade = { transition: { type: "crossfade" as const, duration: 0.5 } };
// Ten 5 s shots at 24 fps, crossfaded into every odd one: 2,000 samples a frame.
const clips = Array.from({ length: 10 }, (_, i) => clip(i, i % 2 ? fade : {}));
const timing = frameTiming(clips, 24);

test("clip spans follow the single pass's crossfades, sample by sample", () => {
  const spans = clipSpans(timing, 24);
  assert.deepEqual(spans.slice(0, 3), [
    { start: 0, length: 240000, into: 0, outOf: 24000 },
    { start: 216000, length: 240000, into: 24000, outOf: 0 },
    { start: 456000, length: 240000, into: 0, outOf: 24000 },
  ]);
});

test("a chunk's window is its samples with the encoder's context, and a pre-roll before, from a whole millisecond", () => {
  const bounds = chunkBounds(2_000_000, 256);
  for (let k = 0; k < bounds.length - 1; k++) {
    const w = chunkWindow(bounds, k);
    assert.equal(w.from % 48, 0);
    assert.ok(w.from <= Math.max(0, bounds[k]! - CONTEXT - PREROLL));
    assert.ok(w.from > bounds[k]! - CONTEXT - PREROLL - 48);
    assert.equal(w.to, Math.min(2_000_000, bounds[k + 1]! + CONTEXT));
  }
});

test("a window's dialogue starts after its first clip's crossfade in and ends outside any crossfade", () => {
  const spans = clipSpans(timing, 24);
  for (let from = 0; from < 2_000_000; from += 37_000)
    for (const length of [1, 30_000, 300_000]) {
      const to = Math.min(from + length, 2_256_000);
      const s = dialogueSlice(spans, from, to);
      const first = spans[s.first]!;
      const last = spans[s.last]!;
      assert.ok(first.start + first.into <= from, `from ${from}: starts in a crossfade`);
      assert.equal(s.start, first.start);
      assert.ok(s.end >= to, `from ${from}: ends at ${s.end} before ${to}`);
      assert.ok(s.end >= last.start + last.into, "its last clip's crossfade in is whole");
      assert.ok(s.last === spans.length - 1 || s.end <= last.start + last.length - last.outOf);
      assert.equal(s.endCut, last.start + last.length - s.end);
    }
});

function sources(over: { clips?: StitchClip[]; sound?: FilmSound; voiceHashes?: string[] } = {}): KeySources {
  const c = over.clips ?? clips;
  const t = frameTiming(c, 24);
  return {
    clips: c,
    spans: clipSpans(t, 24),
    timing: t,
    fps: 24,
    total: (t.totalFrames / 24) * 48000,
    voiceHashes: over.voiceHashes ?? ["v".repeat(64)],
    bedHash: "b".repeat(64),
    binary: "N-47683-g0e8eb07980-static",
    sound: over.sound ?? {
      music: { file: "/bed.wav", volumeDb: -18, duck: true, fadeIn: 1, fadeOut: 2 },
      voices: [{ file: "/v.wav", clip: 4, offset: 1, duration: 2, shot: "s5" }],
    },
  };
}

test("an edit changes the keys of exactly the windows that reach its samples", () => {
  const before = sources();
  const bounds = chunkBounds(before.total, 64);
  const keys = (s: KeySources) => bounds.slice(1).map((_, k) => windowKey(chunkWindow(bounds, k), s));
  const edited = clips.map((c, i) => (i === 6 ? { ...c, key: "e".repeat(64) } : c));
  const after = sources({ clips: edited });
  const span = before.spans[6]!;
  const [a, b] = [keys(before), keys(after)];
  bounds.slice(1).forEach((_, k) => {
    const w = chunkWindow(bounds, k);
    const reached = w.from < span.start + span.length && w.to > span.start;
    assert.equal(a[k] !== b[k], reached, `chunk ${k}`);
  });
  // Another voice-over file: only the windows where it plays (until the film's end: it is alone in its lane).
  const voiced = keys(sources({ voiceHashes: ["w".repeat(64)] }));
  const at = (before.spans[4]!.start + 48000) | 0;
  bounds.slice(1).forEach((_, k) => {
    assert.equal(a[k] !== voiced[k], chunkWindow(bounds, k).to > at, `chunk ${k}`);
  });
  // The bed's fade out reaches only the windows at the film's end.
  const longer = keys(
    sources({ sound: { ...before.sound!, music: { ...before.sound!.music!, fadeOut: 3 } } }),
  );
  const fadeStart = before.total - 3 * 48000;
  bounds.slice(1).forEach((_, k) => {
    assert.equal(a[k] !== longer[k], chunkWindow(bounds, k).to > fadeStart);
  });
});

test("another ffmpeg changes every window's key: a film's chunks come from one", () => {
  const before = sources();
  const bounds = chunkBounds(before.total, 64);
  const keys = (s: KeySources) => bounds.slice(1).map((_, k) => windowKey(chunkWindow(bounds, k), s));
  const [a, b] = [keys(before), keys({ ...before, binary: "5.1.6-0+deb12u1" })];
  for (const [k, key] of a.entries()) assert.notEqual(key, b[k], `chunk ${k}`);
});
