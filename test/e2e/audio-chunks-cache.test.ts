// The soundtrack's cached AAC chunks with real ffmpeg: after one edit, a second stitch mixes and re-encodes
// exactly the chunks whose window (their samples with their context and pre-roll) the edit reaches, and its decoded soundtrack matches a fresh full
// stitch of the edited film: the same samples before the edit, and within a measured bound at every join.
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { findMediaTools, type MediaTools } from "../../src/media/binaries.js";
import { AAC_FRAME, chunkBounds } from "../../src/stitch/encoded-audio.js";
import { chunkWindow } from "../../src/stitch/mix-windows.js";
import { SAMPLE_RATE } from "../../src/stitch/graph.js";
import type { StitchClip } from "../../src/stitch/profile.js";
import type { FilmSound } from "../../src/stitch/sound-graph.js";
import { alone, BUNDLED, makeClip, stitchClip } from "../../testkit/clips.js";
import { decodedSamples, toneFile } from "../../testkit/ffprobe.js";
import { stitchSoundIn } from "../../testkit/stitch-film.js";

// The system ffmpeg alone: beside it, the bundled one would make the sound.
const SYSTEM = alone(findMediaTools(process.env));
// 16 AAC frames (0.34 s) a chunk, so a 12 s film has 36 of them and an edit of one shot touches a few.
const FRAMES = 16;

async function stitchIn(dir: string, clips: StitchClip[], sound: FilmSound, tools: MediaTools) {
  const { record, output } = await stitchSoundIn(dir, clips, sound, { tools, audioChunkFrames: FRAMES });
  return { record, samples: await decodedSamples(output, SYSTEM.ffmpeg) };
}

for (const [name, tools] of [
  ["ffmpeg 5.1", SYSTEM],
  ["the bundled ffmpeg 4.1", BUNDLED],
] as const) {
  test(`${name}: one edit re-encodes only the audio chunks it reaches; the soundtrack matches a fresh stitch`, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "storyreel-audio-chunks-"));
    const fade = { transition: { type: "crossfade" as const, duration: 0.5 } };
    const clips = await Promise.all(
      [0, 40, 80, 120, 160, 200, 240, 280].map((hue, i) =>
        stitchClip(makeClip({ hue, audio: i !== 5 }), i % 2 ? fade : {}, tools),
      ),
    );
    // A voice-over on shot 2 and a bed ducked under the speech.
    const sound: FilmSound = {
      music: {
        file: await toneFile(dir, 2000, 2, 0.5),
        volumeDb: -18,
        duck: true,
        fadeIn: 0.5,
        fadeOut: 0.5,
      },
      voices: [{ file: await toneFile(dir, 700, 1, 0.25), clip: 1, offset: 0.3, duration: 1, shot: "b" }],
    };
    const first = await stitchIn(path.join(dir, "a"), clips, sound, tools);
    const timing = first.record.timing!;
    const at = (frame: number) => Math.round((frame / timing.fps) * SAMPLE_RATE);
    const bounds = chunkBounds(at(timing.total_frames), FRAMES);
    // Shot 4 (a crossfade in, a cut out) replaced by another clip of the same length.
    const edit = 3;
    const edited = [...clips];
    edited[edit] = await stitchClip(makeClip({ hue: 330, frequency: 523 }), fade, tools);
    const again = await stitchIn(path.join(dir, "a"), edited, sound, tools);
    const fresh = await stitchIn(path.join(dir, "b"), edited, sound, tools);

    // The chunks the edit reaches: those whose window (their samples, each chunk's context and the pre-roll
    // before it) holds any of the edited shot's samples.
    const from = at(timing.starts[edit]!);
    const to = at(timing.starts[edit + 1]!);
    const reached = bounds
      .slice(0, -1)
      .map((_, k) => k)
      .filter((k) => chunkWindow(bounds, k).from < to && chunkWindow(bounds, k).to > from);
    const firstAudio = new Set(first.record.pieces);
    const made = again.record.pieces!.filter((k) => !firstAudio.has(k));
    assert.equal(again.record.audio_chunks?.made, reached.length, `chunks ${reached.join(", ")} re-encoded`);
    assert.equal(again.record.audio_chunks?.reused, bounds.length - 1 - reached.length);
    // Two new video pieces (the window into the shot and its stretch) and the new audio chunks.
    assert.equal(made.length, again.record.segments!.made + reached.length);

    assert.equal(again.samples.length, fresh.samples.length, "the same length");
    // Before the first re-encoded chunk, the packets are the single pass's own.
    const firstNew = bounds[reached[0]!]!;
    const before = firstNew - AAC_FRAME;
    for (let i = 0; i < 2 * before; i++)
      if (again.samples[i] !== fresh.samples[i]) assert.fail(`sample ${i >> 1} differs before the edit`);
    // After it: a different encoder run, so the codec's own noise differs. The difference, per AAC frame, is
    // bounded, and no worse at the joins (where a seam would be) than inside the re-encoded chunks.
    const rms = (block: number) => {
      let sum = 0;
      for (let i = 2 * block * AAC_FRAME; i < 2 * (block + 1) * AAC_FRAME; i++)
        sum += (again.samples[i]! - fresh.samples[i]!) ** 2;
      return 10 * Math.log10(sum / (2 * AAC_FRAME) + 1e-20);
    };
    const blocks = Array.from({ length: again.samples.length / 2 / AAC_FRAME - 1 }, (_, b) => rms(b));
    const joins = [bounds[reached[0]!]!, bounds[reached.at(-1)! + 1]!].map((s) => s / AAC_FRAME);
    const atJoins = joins.flatMap((j) => [blocks[j - 1]!, blocks[j]!, blocks[j + 1]!]);
    // Measured on 5.1 and 4.1: -96 dB at worst, -108 dB at the joins (the soundtrack is about -20 dB).
    const worst = Math.max(...blocks);
    const seam = Math.max(...atJoins);
    assert.ok(worst < -80, `the difference stays 80 dB under full scale (worst ${worst.toFixed(1)} dB)`);
    assert.ok(seam <= worst, `no seam: ${seam.toFixed(1)} dB at the joins`);
  });
}
