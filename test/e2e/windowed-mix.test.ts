// The soundtrack mixed a window at a time, with real ffmpeg (5.1 and the bundled 4.1): every chunk's window,
// mixed alone from its pre-roll, gives the single pass's samples where the chunk and its encoder context lie
// (the dialogue, the voice-overs and the bed's place in its loop exactly; the duck's compressor within a
// measured bound). And a film brought to -16 LUFS from its chunks' measurements lands there by ffmpeg's
// ebur128, before and after an edit, the re-stitched soundtrack matching a fresh stitch.
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { findMediaTools, type MediaTools } from "../../src/media/binaries.js";
import { AAC_FRAME, CONTEXT, chunkBounds } from "../../src/stitch/encoded-audio.js";
import { chunkWindow, clipSpans, soundtrackSamples } from "../../src/stitch/mix-windows.js";
import { frameTiming, type StitchClip } from "../../src/stitch/profile.js";
import { type FilmSound, filmSamples } from "../../src/stitch/sound-graph.js";
import { windowMixer } from "../../src/stitch/window-mix.js";
import { alone, BUNDLED, makeClip, stitchClip } from "../../testkit/clips.js";
import { decodedSamples, integratedLoudness, toneFile } from "../../testkit/ffprobe.js";
import { stitchSoundIn } from "../../testkit/stitch-film.js";

// The system ffmpeg alone: beside it, the bundled one would make the sound.
const SYSTEM = alone(findMediaTools(process.env));
const FRAMES = 16;
const fade = { transition: { type: "crossfade" as const, duration: 0.5 } };

async function film(dir: string, tools: MediaTools) {
  const clips = await Promise.all(
    [0, 40, 80, 120, 160, 200, 240, 280].map((hue, i) =>
      stitchClip(makeClip({ hue, audio: i !== 5 }), i % 2 ? fade : {}, tools),
    ),
  );
  // Voice-overs on shots 2 and 6 (quiet enough that the bed is ducked only partly), a bed shorter than the film.
  const sound: FilmSound = {
    music: { file: await toneFile(dir, 2000, 1.3, 0.5), volumeDb: -12, duck: true, fadeIn: 1, fadeOut: 1.5 },
    voices: [
      { file: await toneFile(dir, 700, 1, 0.25), clip: 1, offset: 0.3, duration: 1, shot: "b" },
      { file: await toneFile(dir, 900, 1.5, 0.02), clip: 5, offset: 0.2, duration: 1.5, shot: "f" },
    ],
  };
  return { clips, sound };
}

const pcmOf = async (file: string) => {
  const b = await readFile(file);
  return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
};
const db = (x: number) => 20 * Math.log10(x + 1e-30);

for (const [name, tools] of [
  ["ffmpeg 5.1", SYSTEM],
  ["the bundled ffmpeg 4.1", BUNDLED],
] as const) {
  test(`${name}: each chunk's window, mixed alone, gives the single pass's samples within -90 dBFS`, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "storyreel-windows-"));
    const { clips, sound } = await film(dir, tools);
    const profile = { width: 160, height: 90, fps: 24 };
    const timing = frameTiming(clips, 24);
    const spans = clipSpans(timing, 24);
    const total = soundtrackSamples(spans, filmSamples(timing, 24), true);
    const mixer = windowMixer({
      clips,
      profile,
      timing,
      spans,
      sound,
      tmpDir: dir,
      ffmpeg: tools.ffmpeg,
      parallel: 2,
    });
    try {
      const whole = await mixer.mix(0, total);
      const single = await pcmOf(whole.file);
      assert.equal(single.length, 2 * total);
      const bounds = chunkBounds(total, FRAMES);
      let worst = -Infinity;
      for (let k = 0; k < bounds.length - 1; k++) {
        const w = chunkWindow(bounds, k);
        const window = await mixer.mix(w.from, w.to);
        const samples = await pcmOf(window.file);
        // Where the chunk's encoder reads: its samples and the context either side.
        const from = Math.max(0, bounds[k]! - CONTEXT);
        const to = Math.min(total, bounds[k + 1]! + CONTEXT);
        for (let i = 2 * from; i < 2 * to; i++)
          worst = Math.max(worst, db(Math.abs(samples[i - 2 * w.from]! - single[i]!)));
      }
      // Measured: the dialogue, voices and bed are the same samples; the duck's state is settled long before.
      assert.ok(worst <= -90, `the windows differ from the single pass by ${worst.toFixed(1)} dBFS at most`);
    } finally {
      await mixer.dispose();
    }
  });
}

async function stitchIn(dir: string, clips: StitchClip[], sound: FilmSound) {
  const { record, output } = await stitchSoundIn(dir, clips, sound, {
    render: { loudness: -16 },
    audioChunkFrames: FRAMES,
  });
  return {
    record,
    samples: await decodedSamples(output, SYSTEM.ffmpeg),
    lufs: await integratedLoudness(output),
  };
}

test("a film set to -16 LUFS from its chunks' loudness lands there, and after an edit matches a fresh stitch", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-windows-lufs-"));
  const { clips, sound } = await film(dir, SYSTEM);
  const first = await stitchIn(path.join(dir, "a"), clips, sound);
  // A shot twice as loud (another tone at a higher level) in place of shot 4.
  const edited = [...clips];
  edited[3] = await stitchClip(makeClip({ hue: 330, frequency: 523 }), fade);
  const again = await stitchIn(path.join(dir, "a"), edited, sound);
  const fresh = await stitchIn(path.join(dir, "b"), edited, sound);
  // The gain is rounded to 0.5 dB (0.25 LU at most), measured by our meter; ebur128 reads the AAC: 0.1 LU more.
  for (const [what, run] of [
    ["first", first],
    ["re-stitched", again],
    ["fresh", fresh],
  ] as const)
    assert.ok(Math.abs(run.lufs - -16) <= 0.35, `${what}: ${run.lufs} LUFS`);
  const chunks = first.record.audio_chunks!;
  const lufs = (await readdir(path.join(dir, "a", "segments"))).filter((f) => f.endsWith(".lufs"));
  assert.ok(
    lufs.some((f) => again.record.pieces!.includes(path.basename(f, ".lufs"))),
    "loudness kept",
  );
  assert.ok(again.record.audio_chunks!.made < chunks.made / 2, "the edit re-made a few chunks");
  assert.equal(again.samples.length, fresh.samples.length);
  let worst = -Infinity;
  for (let f = 0; f + 1 < again.samples.length / 2 / AAC_FRAME; f++) {
    let sum = 0;
    for (let i = 2 * f * AAC_FRAME; i < 2 * (f + 1) * AAC_FRAME; i++)
      sum += (again.samples[i]! - fresh.samples[i]!) ** 2;
    worst = Math.max(worst, 10 * Math.log10(sum / (2 * AAC_FRAME) + 1e-20));
  }
  assert.ok(worst < -80, `the re-stitched soundtrack is within ${worst.toFixed(1)} dB of a fresh stitch`);
});

test("a film whose gain would push its peaks over -1 dBTP is mixed whole and limited, and still lands on its target", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-windows-limit-"));
  const clips = await Promise.all(
    [0, 90, 180, 270].map((hue) => stitchClip(makeClip({ hue, audio: false }), {}, SYSTEM)),
  );
  // A quiet voice-over under most of the film (about -34 LUFS), and a click near full scale (2 ms: too short
  // to lift the loudness, so the gain is about +18 dB).
  const sound: FilmSound = {
    voices: [
      { file: await toneFile(dir, 700, 6, 0.03), clip: 0, offset: 0.5, duration: 6, shot: "a" },
      { file: await toneFile(dir, 250, 0.002, 1), clip: 3, offset: 1, duration: 0.002, shot: "d" },
    ],
  };
  const run = await stitchIn(path.join(dir, "a"), clips, sound);
  assert.ok(Math.abs(run.lufs - -16) <= 1, `${run.lufs} LUFS`);
  // The limiter's path: the chunks' loudness was measured, but the film is made from its samples' chunks.
  const measured = (await readdir(path.join(dir, "a", "segments"))).filter((f) => f.endsWith(".lufs"));
  assert.ok(measured.length > 0, "the chunks were measured");
  for (const f of measured)
    assert.ok(!run.record.pieces!.includes(path.basename(f, ".lufs")), "the film is made without them");
  const peak = run.samples.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  assert.ok(20 * Math.log10(peak) <= -0.5, `sample peak ${(20 * Math.log10(peak)).toFixed(2)} dBFS`);
});
