// Pure stitch decisions: the target profile, when stream copy is safe, frame timing, segments and keys.
import assert from "node:assert/strict";
import { test } from "node:test";
import { filmKey } from "../src/stitch/film.js";
import { canStreamCopy, frameTiming, targetProfile, type StitchClip } from "../src/stitch/profile.js";
import { segmentKey, splitAtCuts } from "../src/stitch/segments.js";
import { clip, media } from "./helpers/unit-fixtures.js";

const V = media().video!;
const A = media().audio!;
const fade = (duration = 0.5) => ({ type: "crossfade" as const, duration });

test("target profile: the first clip's size (rounded even) and rate, unless render sets them", () => {
  const odd = clip(0, { media: media({ video: { ...V, width: 1279, height: 719, fps: 30000 / 1001 } }) });
  assert.deepEqual(targetProfile([odd, clip(1)], {}), { width: 1280, height: 720, fps: 29.97 });
  assert.deepEqual(targetProfile([odd], { resolution: [1920, 1080], fps: 25 }), {
    width: 1920,
    height: 1080,
    fps: 25,
  });
});

test("stream copy: identical clips joined by cuts, with nothing to re-time, normalise or trim", () => {
  const same = [clip(0), clip(1), clip(2)];
  assert.equal(canStreamCopy(same, {}), true);
  assert.equal(
    canStreamCopy(same, { resolution: [1280, 720], fps: 24 }),
    true,
    "settings equal to the clips",
  );
});

test("stream copy is refused for every difference that would break a copied film", () => {
  const differing: Array<[string, StitchClip]> = [
    ["codec", clip(1, { media: media({ video: { ...V, codec: "hevc" } }) })],
    ["size", clip(1, { media: media({ video: { ...V, width: 1920, height: 1080 } }) })],
    ["rate", clip(1, { media: media({ video: { ...V, fps: 25 } }) })],
    ["pixel format", clip(1, { media: media({ video: { ...V, pixFmt: "yuv444p" } }) })],
    ["sar", clip(1, { media: media({ video: { ...V, sar: "4:3" } }) })],
    ["no audio", clip(1, { media: media({ audio: undefined }) })],
    ["sample rate", clip(1, { media: media({ audio: { ...A, sampleRate: 44100 } }) })],
    ["channels", clip(1, { media: media({ audio: { ...A, channels: 1 } }) })],
    ["trim", clip(1, { trim: { start: 0, end: 4 } })],
    ["crossfade", clip(1, { transition: fade() })],
    ["fade", clip(1, { transition: { type: "fade", duration: 0.5 } })],
  ];
  for (const [what, second] of differing) assert.equal(canStreamCopy([clip(0), second], {}), false, what);
  const same = [clip(0), clip(1)];
  assert.equal(canStreamCopy(same, { resolution: [1920, 1080] }), false, "a resolution to scale to");
  assert.equal(canStreamCopy(same, { fps: 25 }), false, "a rate to re-time to");
  assert.equal(canStreamCopy(same, { loudness: -16 }), false, "loudness normalisation");
  assert.equal(canStreamCopy([clip(0, { trim: { start: 1, end: 5 } })], {}), false, "a trimmed single clip");
});

test("frame timing: lengths and overlaps in whole frames, the first clip never overlaps", () => {
  const clips = [
    clip(0, { transition: fade(1) }),
    clip(1, { transition: fade(0.5), trim: { start: 0.25, end: 4.25 } }),
    clip(2, { transition: { type: "cut", duration: 0.5 } }),
  ];
  assert.deepEqual(frameTiming(clips, 24), {
    lengths: [120, 96, 120],
    overlaps: [0, 12, 0],
    totalFrames: 324,
  });
  assert.deepEqual(frameTiming(clips, 25).lengths, [125, 100, 125]);
  assert.deepEqual(frameTiming(clips, 25).overlaps, [0, 13, 0], "12.5 frames round to 13");
});

test("splitAtCuts: a cut starts a segment, transitions join clips, order is kept", () => {
  const clips = [clip(0, { transition: fade() }), clip(1), clip(2, { transition: fade() }), clip(3), clip(4)];
  assert.deepEqual(
    splitAtCuts(clips).map((g) => g.map((c) => c.shot)),
    [["s1"], ["s2", "s3"], ["s4"], ["s5"]],
  );
  assert.deepEqual(splitAtCuts([]), []);
  assert.equal(splitAtCuts([clip(0)]).length, 1);
});

const PROFILE = { width: 1280, height: 720, fps: 24 };
const XF = { xfade: true };

test("segmentKey changes when and only when something that shapes the segment changes", () => {
  const group = [clip(0), clip(1, { transition: fade() })];
  const base = segmentKey(group, PROFILE, XF);
  assert.match(base, /^[0-9a-f]{64}$/);
  const changes: Array<[string, string]> = [
    ["clip key", segmentKey([clip(0, { key: "f".repeat(64) }), group[1]!], PROFILE, XF)],
    ["trim", segmentKey([clip(0, { trim: { start: 0, end: 4 } }), group[1]!], PROFILE, XF)],
    [
      "transition type",
      segmentKey([group[0]!, clip(1, { transition: { type: "fade", duration: 0.5 } })], PROFILE, XF),
    ],
    ["transition length", segmentKey([group[0]!, clip(1, { transition: fade(1) })], PROFILE, XF)],
    ["order", segmentKey([clip(1), clip(0, { transition: fade() })], PROFILE, XF)],
    ["size", segmentKey(group, { ...PROFILE, width: 1920, height: 1080 }, XF)],
    ["rate", segmentKey(group, { ...PROFILE, fps: 25 }, XF)],
    ["blend vs xfade", segmentKey(group, PROFILE, { xfade: false })],
  ];
  for (const [what, key] of changes) assert.notEqual(key, base, what);
  assert.equal(new Set(changes.map(([, k]) => k)).size, changes.length);
  // Not part of what the segment looks like: the shot id, the file's path, the probed media, the head's transition.
  const renamed = [
    clip(0, { shot: "other", file: "/elsewhere/x.mp4", media: media({ duration: 9 }), transition: fade(2) }),
    group[1]!,
  ];
  assert.equal(segmentKey(renamed, PROFILE, XF), base);
  assert.equal(
    segmentKey(
      group.map((c) => ({ ...c })),
      { ...PROFILE },
      { xfade: true },
    ),
    base,
  );
});

test("filmKey covers clips, order, trims, transitions and every stitch setting", () => {
  const clips = [clip(0), clip(1, { transition: fade() })];
  const base = filmKey(clips, {});
  const changes: Array<[string, string]> = [
    ["clip key", filmKey([clips[0]!, clip(1, { key: "e".repeat(64), transition: fade() })], {})],
    ["order", filmKey([clips[1]!, clips[0]!], {})],
    ["trim", filmKey([clip(0, { trim: { start: 0, end: 3 } }), clips[1]!], {})],
    ["transition", filmKey([clips[0]!, clip(1, { transition: fade(1) })], {})],
    ["a clip fewer", filmKey([clips[0]!], {})],
    ["resolution", filmKey(clips, { resolution: [1920, 1080] })],
    ["fps", filmKey(clips, { fps: 30 })],
    ["loudness", filmKey(clips, { loudness: -16 })],
  ];
  for (const [what, key] of changes) assert.notEqual(key, base, what);
  assert.equal(new Set(changes.map(([, k]) => k)).size, changes.length);
  assert.equal(
    filmKey(clips, { concurrency: 8, timeoutMinutes: 5 }),
    base,
    "generation settings are not stitch settings",
  );
  assert.equal(filmKey([{ ...clips[0]!, shot: "renamed", file: "/x.mp4" }, clips[1]!], {}), base);
});
