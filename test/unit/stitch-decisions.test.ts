// Pure stitch decisions: the target profile, when stream copy is safe, frame timing, segments and keys.
import assert from "node:assert/strict";
import { test } from "node:test";
import { filmKey } from "../../src/stitch/film.js";
import { canStreamCopy, frameTiming, targetProfile, type StitchClip } from "../../src/stitch/profile.js";
import { encodeJobs, pieceKey, splitIntoPieces } from "../../src/stitch/segments.js";
import { clip, media } from "../helpers/unit-fixtures.js";

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

test("splitIntoPieces: a window per transition and a stretch of each clip between them, in film order", () => {
  const clips = [clip(0, { transition: fade() }), clip(1), clip(2, { transition: fade() }), clip(3), clip(4)];
  assert.deepEqual(
    splitIntoPieces(clips, 24).map((p) =>
      p.kind === "stretch" ? `${p.clip.shot} ${p.from}-${p.to}` : `${p.a.shot}~${p.b.shot} ${p.frames}`,
    ),
    ["s1 0-120", "s2 0-108", "s2~s3 12", "s3 12-120", "s4 0-120", "s5 0-120"],
  );
  assert.deepEqual(splitIntoPieces([], 24), []);
  // A clip wholly inside its two windows has no stretch of its own.
  const short = [clip(0), clip(1, { transition: fade(2.5) }), clip(2, { transition: fade(2.5) })];
  assert.deepEqual(
    splitIntoPieces(short, 24).map((p) => p.kind),
    ["stretch", "window", "window", "stretch"],
  );
  // A delivered clip shorter than its two transitions (validation saw the planned length) is named, not
  // stitched into a film with a repeated frame.
  const shorter = [
    clip(0),
    clip(1, { transition: fade(0.75), media: media({ duration: 1 }) }),
    clip(2, { transition: fade(0.75) }),
  ];
  assert.throws(
    () => splitIntoPieces(shorter, 24),
    /shot s2: its clip has 24 frames, fewer than .* \(18 \+ 18\)/,
  );
});

test("encodeJobs: a window goes with the stretch just before it when both are made, every other piece alone", () => {
  const name = (p: ReturnType<typeof splitIntoPieces>[number]) =>
    p.kind === "stretch" ? p.clip.shot : `${p.a.shot}~${p.b.shot}`;
  const names = (pieces: ReturnType<typeof splitIntoPieces>) =>
    encodeJobs(pieces).map((job) => job.map(name).join(" + "));
  const clips = [clip(0), clip(1, { transition: fade() }), clip(2, { transition: fade() }), clip(3)];
  const pieces = splitIntoPieces(clips, 24);
  assert.deepEqual(names(pieces), ["s1 + s1~s2", "s2 + s2~s3", "s3", "s4"]);
  // s2's stretch is cached: the window after it is made alone, s3's stretch does not take it.
  assert.deepEqual(names(pieces.filter((p) => name(p) !== "s2")), ["s1 + s1~s2", "s2~s3", "s3", "s4"]);
  // A clip wholly inside its two windows has no stretch: its windows are made alone.
  const short = [clip(0), clip(1, { transition: fade(2.5) }), clip(2, { transition: fade(2.5) })];
  assert.deepEqual(names(splitIntoPieces(short, 24)), ["s1 + s1~s2", "s2~s3", "s3"]);
  assert.deepEqual(encodeJobs([]), []);
});

const PROFILE = { width: 1280, height: 720, fps: 24 };
const XF = { xfade: true };

test("pieceKey changes when and only when something that shapes the piece changes", () => {
  const window = (a: StitchClip, b: StitchClip) =>
    splitIntoPieces([a, b], 24).find((p) => p.kind === "window")!;
  const key = (a: StitchClip, b: StitchClip, profile = PROFILE, caps = XF) =>
    pieceKey(window(a, b), profile, caps);
  const [a, b] = [clip(0), clip(1, { transition: fade() })];
  const base = key(a, b);
  assert.match(base, /^[0-9a-f]{64}$/);
  const changes: Array<[string, string]> = [
    ["clip key", key(clip(0, { key: "f".repeat(64) }), b)],
    ["trim", key(clip(0, { trim: { start: 0, end: 4 } }), b)],
    ["transition type", key(a, clip(1, { transition: { type: "fade", duration: 0.5 } }))],
    ["transition length", key(a, clip(1, { transition: fade(1) }))],
    ["order", key(clip(1), clip(0, { transition: fade() }))],
    ["size", key(a, b, { ...PROFILE, width: 1920, height: 1080 })],
    ["rate", key(a, b, { ...PROFILE, fps: 25 })],
    ["blend vs xfade", key(a, b, PROFILE, { xfade: false })],
  ];
  for (const [what, k] of changes) assert.notEqual(k, base, what);
  assert.equal(new Set(changes.map(([, k]) => k)).size, changes.length);
  // Not part of what the piece looks like: the shot id, the file's path, the outgoing clip's own transition.
  const renamed = clip(0, { shot: "other", file: "/elsewhere/x.mp4", transition: fade(2) });
  assert.equal(key(renamed, b), base);
  // A stretch of the same clip differs from a window, and from another stretch of it.
  const [s1, s2] = splitIntoPieces([clip(0), clip(1, { transition: fade() })], 24).filter(
    (p) => p.kind === "stretch",
  );
  assert.notEqual(pieceKey(s1!, PROFILE, XF), pieceKey(s2!, PROFILE, XF));
  // Only a window blends: a stretch is kept when ffmpeg changes between blend and xfade.
  assert.equal(pieceKey(s1!, PROFILE, XF), pieceKey(s1!, PROFILE, { xfade: false }));
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
