// The stitcher with real ffmpeg on tiny clips: stream copy when uniform, a correct normalised film otherwise.
import assert from "node:assert/strict";
import { execa } from "execa";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { findMediaTools, type MediaTools } from "../../src/media/binaries.js";
import { detectCapabilities } from "../../src/media/capabilities.js";
import { probeMedia } from "../../src/media/probe.js";
import type { StitchClip } from "../../src/stitch/profile.js";
import type { StitchOptions } from "../../src/stitch/stitch.js";
import { AUDIO_CODEC, segmentArgs } from "../../src/stitch/args.js";
import { audioGraph, videoGraph } from "../../src/stitch/graph.js";
import { targetProfile } from "../../src/stitch/profile.js";
import { BUNDLED, makeClip, stitchClip } from "../../testkit/clips.js";
import { stitchIn } from "../../testkit/stitch-film.js";
import { decodedAudioSeconds, decodedFrames, frameHashes as hashes } from "../../testkit/ffprobe.js";

const SYSTEM = findMediaTools(process.env);
// The ffmpeg that makes a film's sound: the bundled one beside the system's (soundtrack.ts).
const SOUND = SYSTEM.quickFfmpeg ?? SYSTEM.ffmpeg;

// The audio stream's packets, hashed: AAC encodes identical samples to identical packets.
const audioPackets = async (file: string) =>
  (await execa(SYSTEM.ffmpeg, ["-v", "error", "-i", file, "-map", "0:a", "-c", "copy", "-f", "md5", "-"]))
    .stdout;

async function stitch(
  clips: StitchClip[],
  render = {},
  tools: MediaTools = SYSTEM,
  extra: Partial<StitchOptions> = {},
) {
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-stitch-"));
  const { record, output } = await stitchIn(dir, clips, { render, tools, extra });
  return { record, output, info: await probeMedia(SYSTEM.ffprobe, output) };
}

test("uniform clips with cuts are joined by stream copy: the packets are the clips' packets", async () => {
  const clips = await Promise.all([0, 90, 180].map((hue) => stitchClip(makeClip({ hue }))));
  const { record, info, output } = await stitch(clips);
  assert.equal(record.mode, "copy");
  assert.ok(Math.abs(info.duration - 6) < 0.1, `duration ${info.duration}`);
  // The concat demuxer repeats SPS/PPS in keyframe packets; every other packet must be byte-identical.
  const clipPackets = (await Promise.all(clips.map((c) => hashes(c.file, true)))).flat();
  const filmPackets = await hashes(output, true);
  assert.equal(filmPackets.length, clipPackets.length);
  const same = filmPackets.filter((h, i) => h === clipPackets[i]).length;
  assert.ok(
    same >= clipPackets.length - 2 * clips.length * 2,
    `only ${same} of ${clipPackets.length} packets are identical`,
  );
  assert.deepEqual(
    await hashes(output, false),
    (await Promise.all(clips.map((c) => hashes(c.file, false)))).flat(),
    "identical decoded frames",
  );
});

test("portrait and landscape, 24 and 30 fps, with and without audio: one valid film, right length, audio throughout", async () => {
  const clips = [
    await stitchClip(makeClip({ w: 160, h: 90, fps: 24, seconds: 2 })),
    await stitchClip(makeClip({ w: 90, h: 160, fps: 30, seconds: 1, audio: false, hue: 120 })),
    await stitchClip(makeClip({ w: 160, h: 90, fps: 30, seconds: 2, hue: 240 })),
  ];
  const { record, info } = await stitch(clips);
  assert.equal(record.mode, "normalised");
  assert.deepEqual(
    [info.video?.width, info.video?.height, info.video?.fps, info.video?.sar],
    [160, 90, 24, "1:1"],
  );
  assert.equal(info.audio?.sampleRate, 48000);
  assert.equal(info.audio?.channels, 2);
  assert.ok(Math.abs(info.duration - 5) <= 1 / 24, `film lasts ${info.duration}, expected 5`);
  assert.ok(Math.abs((await decodedAudioSeconds(record.output)) - 5) <= 1 / 24, "audio lasts the whole film");
});

test("crossfade, fade and trims: film = sum of kept lengths minus transitions, A/V within a frame", async () => {
  const clips = [
    await stitchClip(makeClip({ seconds: 2 })),
    await stitchClip(makeClip({ seconds: 2, hue: 90 }), { transition: { type: "crossfade", duration: 0.5 } }),
    await stitchClip(makeClip({ seconds: 2, hue: 180, audio: false }), {
      transition: { type: "fade", duration: 0.5 },
      trim: { start: 0.25, end: 1.75 },
    }),
  ];
  const { info, record } = await stitch(clips, { resolution: [192, 108], fps: 25 });
  const expected = 2 + 2 + 1.5 - 0.5 - 0.5;
  assert.deepEqual([info.video?.width, info.video?.height, info.video?.fps], [192, 108, 25]);
  assert.ok(
    Math.abs(info.duration - expected) <= 1 / 25,
    `film lasts ${info.duration}, expected ${expected}`,
  );
  assert.ok(Math.abs((await decodedAudioSeconds(record.output)) - expected) <= 1 / 25);
});

test("the bundled ffmpeg 4.1 (no xfade) makes the same transitions with filters it has", async () => {
  const caps = await detectCapabilities(BUNDLED.ffmpeg);
  assert.equal(caps.xfade, false, "the bundled ffmpeg really lacks xfade");
  const clips = [
    await stitchClip(makeClip({ seconds: 2 })),
    await stitchClip(makeClip({ seconds: 2, hue: 90, w: 90, h: 160 }), {
      transition: { type: "crossfade", duration: 0.5 },
    }),
    await stitchClip(makeClip({ seconds: 1, hue: 180, audio: false }), {
      transition: { type: "fade", duration: 0.4 },
    }),
  ];
  // In pieces, and the audio in chunks, as on ffmpeg 5.1.
  const { info, record, output } = await stitch(clips, {}, BUNDLED, { audioChunk: 1 });
  assert.equal(record.segments?.made, 5, "a, window, b, window, c");
  assert.ok(Math.abs(info.duration - 4.1) <= 1 / 24, `film lasts ${info.duration}`);
  assert.ok(info.audio);
  assert.ok(Math.abs((await decodedAudioSeconds(output)) - 4.1) <= 1 / 24, "the audio lasts the film");
});

test("two-pass loudness normalisation brings the film to the target LUFS", async () => {
  const clips = [
    await stitchClip(makeClip({ seconds: 2 })),
    await stitchClip(makeClip({ seconds: 2, hue: 60 })),
  ];
  const { record } = await stitch(clips, { loudness: -16 });
  assert.equal(record.mode, "normalised");
  const { stderr } = await execa("ffmpeg", [
    "-hide_banner",
    "-nostats",
    "-i",
    record.output,
    "-af",
    "ebur128",
    "-f",
    "null",
    "-",
  ]);
  const integrated = Number(
    /I:\s+(-?[\d.]+) LUFS\s*\n\s*Threshold/.exec(stderr.slice(stderr.lastIndexOf("Summary")))?.[1],
  );
  assert.ok(Math.abs(integrated - -16) <= 1.5, `integrated loudness ${integrated} LUFS`);
});

test("pieces are cached: changing one shot re-encodes only its stretch and the windows beside it", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-segments-"));
  const run = async (clips: StitchClip[]) => (await stitchIn(dir, clips, { tools: SYSTEM })).record;
  const fade = { transition: { type: "crossfade" as const, duration: 0.5 } };
  // Four shots: [a] cut [b ~ c] cut [d]; the portrait clip forces the normalised path.
  const a = await stitchClip(makeClip({ hue: 10 }));
  const b = await stitchClip(makeClip({ hue: 20, w: 90, h: 160 }));
  const c = await stitchClip(makeClip({ hue: 30 }), fade);
  const d = await stitchClip(makeClip({ hue: 40, audio: false }));
  // Pieces: a, b, the b~c window, c, d.
  const first = await run([a, b, c, d]);
  assert.deepEqual(first.segments, { made: 5, reused: 0, clips_encoded: 6 });
  const d2 = await stitchClip(makeClip({ hue: 50, audio: false }));
  const second = await run([a, b, c, d2]);
  assert.deepEqual(second.segments, { made: 1, reused: 4, clips_encoded: 1 }, "only d's stretch is new");
  const c2 = await stitchClip(makeClip({ hue: 60 }), fade);
  const third = await run([a, b, c2, d2]);
  assert.deepEqual(
    third.segments,
    { made: 2, reused: 3, clips_encoded: 3 },
    "c's change re-encodes its stretch and the b~c window, not b",
  );
  const info = await probeMedia(SYSTEM.ffprobe, third.output);
  assert.ok(Math.abs(info.duration - 7.5) <= 1 / 24, `film lasts ${info.duration}`);
  assert.ok(Math.abs((await decodedAudioSeconds(third.output)) - 7.5) <= 1 / 24);
  const decode = await execa("ffmpeg", ["-v", "error", "-i", third.output, "-f", "null", "-"]);
  assert.equal(decode.stderr, "", "the joined segments decode cleanly");
});

test("a run of crossfades and fades stitched in pieces is the single-pass film, frame by frame", async () => {
  const t = (type: "crossfade" | "fade", duration: number) => ({ transition: { type, duration } });
  const clips = [
    await stitchClip(makeClip({ hue: 0 })),
    await stitchClip(makeClip({ hue: 70 }), t("crossfade", 0.5)),
    await stitchClip(makeClip({ hue: 140, w: 90, h: 160 }), {
      ...t("fade", 0.5),
      trim: { start: 0.25, end: 1.75 },
    }),
    await stitchClip(makeClip({ hue: 210 }), t("crossfade", 1)),
  ];
  // The audio in chunks of one clip (each with the clip before it as context), as a long film's is.
  const { record, output } = await stitch(clips, {}, SYSTEM, { parallel: 2, audioChunk: 1 });
  const dir = path.dirname(output);
  // The reference: every clip in one filtergraph, as before pieces.
  const profile = targetProfile(clips, {});
  const single = path.join(dir, "single.mp4");
  await execa(
    SYSTEM.ffmpeg,
    segmentArgs(clips, videoGraph(clips, profile, await detectCapabilities(SYSTEM.ffmpeg)), profile, single),
  );
  const frames = await decodedFrames(single);
  assert.equal(await decodedFrames(output), frames, "the same number of frames");
  assert.equal(frames, 2 * 48 + 36 - 12 - 12 - 24 + 48, "Σ kept − Σ transitions, in whole frames");
  // Each frame against its counterpart: a repeated or missing frame at a join would shift every later one.
  const { stdout } = await execa("ffmpeg", [
    "-hide_banner",
    "-i",
    output,
    "-i",
    single,
    "-lavfi",
    "[0:v][1:v]psnr=stats_file=-",
    "-f",
    "null",
    "-",
  ]);
  const per = [...stdout.matchAll(/psnr_avg:([\d.]+|inf)/g)].map((m) => (m[1] === "inf" ? 99 : Number(m[1])));
  assert.equal(per.length, frames);
  assert.ok(
    Math.min(...per) > 35,
    `every frame matches its single-pass counterpart (worst ${Math.min(...per)} dB)`,
  );
  // c (36 frames) lies wholly inside its two windows (12 + 24), so it has no stretch of its own.
  assert.equal(record.segments?.made, 6, "a, window, b, window, window, d");
  // The same samples as the single pass's audio graph: AAC encodes identical samples to identical packets.
  const singleAudio = path.join(dir, "single.m4a");
  const graph = audioGraph(clips, profile, 0);
  await execa(SOUND, [
    ...clips.flatMap((c) => ["-i", c.file]),
    "-filter_complex",
    graph.filter,
    "-map",
    graph.output,
    ...AUDIO_CODEC,
    ...["-y", singleAudio],
  ]);
  assert.equal(
    await audioPackets(output),
    await audioPackets(singleAudio),
    "chunked audio = single-pass audio",
  );
});

test("at 29.97 fps, where a frame is not a whole number of samples, the chunked audio is still the single pass's", async () => {
  const t = (duration: number) => ({ transition: { type: "crossfade" as const, duration } });
  const clips = [
    await stitchClip(makeClip({ hue: 0 })),
    await stitchClip(makeClip({ hue: 60 }), t(0.3)),
    await stitchClip(makeClip({ hue: 120 }), { ...t(0.5), trim: { start: 0.1, end: 1.9 } }),
    await stitchClip(makeClip({ hue: 180 }), t(0.7)),
  ];
  const render = { fps: 29.97 };
  const { output, record } = await stitch(clips, render, SYSTEM, { audioChunk: 1 });
  // Each piece joins at its exact length (not its container's, rounded to the millisecond): the last frame
  // is where the frame count puts it.
  const { stdout } = await execa("ffprobe", [
    ...[
      "-v",
      "error",
      "-select_streams",
      "v:0",
      "-show_entries",
      "packet=pts_time",
      "-of",
      "csv=p=0",
      output,
    ],
  ]);
  const times = stdout
    .trim()
    .split("\n")
    .map(Number)
    .sort((a, b) => a - b);
  const frames = record.timing!.total_frames;
  assert.equal(times.length, frames);
  const late = times.map((t, i) => Math.abs(t - times[0]! - i / 29.97));
  assert.ok(
    Math.max(...late) < 1e-4,
    `every frame on its 29.97 fps grid (worst ${Math.max(...late) * 1000} ms off)`,
  );
  const dir = path.dirname(output);
  const graph = audioGraph(clips, targetProfile(clips, render), 0);
  const single = path.join(dir, "single.m4a");
  await execa(SOUND, [
    ...clips.flatMap((c) => ["-i", c.file]),
    ...["-filter_complex", graph.filter, "-map", graph.output, ...AUDIO_CODEC, "-y", single],
  ]);
  assert.equal(await audioPackets(output), await audioPackets(single));
});
