// The film's mix with real ffmpeg: a bed ducked under the clips' audio and a voice-over (measured in its
// own frequency band), looped to the film, at the loudness target; on ffmpeg 5.1 and the bundled 4.1.
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { findMediaTools, type MediaTools } from "../../src/media/binaries.js";
import { probeMedia } from "../../src/media/probe.js";
import type { StitchClip } from "../../src/stitch/profile.js";
import { DUCK_DB, type FilmSound } from "../../src/stitch/sound-graph.js";
import { BUNDLED, makeClip, stitchClip } from "../../testkit/clips.js";
import { bandLevels, integratedLoudness, toneFile } from "../../testkit/ffprobe.js";
import { stitchSoundIn } from "../../testkit/stitch-film.js";

const SYSTEM = findMediaTools(process.env);
// What docs/sound-and-captions.md promises: the bed is at least this much lower while anything is said.
const DOCUMENTED_DUCK_DB = 12;
const BED_HZ = 2000;

async function mixed(tools: MediaTools, render: { loudness?: number }, duck = true, voiceAmplitude = 0.25) {
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-mix-"));
  // Dialogue (a 300 Hz tone in the clip), silence, then a voice-over (700 Hz) over a silent clip.
  const clips: StitchClip[] = [
    await stitchClip(makeClip({ seconds: 3, audio: true, frequency: 300 }), {}, tools),
    await stitchClip(makeClip({ seconds: 3, audio: false, hue: 90 }), {}, tools),
    await stitchClip(makeClip({ seconds: 3, audio: false, hue: 180 }), {}, tools),
  ];
  const sound: FilmSound = {
    // Two seconds of bed for a nine-second film: it must loop.
    music: { file: await toneFile(dir, BED_HZ, 2, 0.5), volumeDb: -18, duck, fadeIn: 0.5, fadeOut: 0.5 },
    voices: [
      { file: await toneFile(dir, 700, 2, voiceAmplitude), clip: 2, offset: 0.5, duration: 2, shot: "c" },
    ],
  };
  const { output } = await stitchSoundIn(dir, clips, sound, { render, tools });
  // The last window is after the voice-over, before the fade-out.
  const levels = await bandLevels(output, BED_HZ, [
    [1, 2.5],
    [3.8, 5.5],
    [7, 8.3],
    [8.7, 8.9],
  ]);
  // bandLevels returns one level per window, or throws.
  const [dialogue, silent, voiceover, after] = levels as [number, number, number, number];
  return { output, dialogue, silent, voiceover, after };
}

for (const [name, tools] of [
  ["ffmpeg 5.1", SYSTEM],
  ["the bundled ffmpeg 4.1", BUNDLED],
] as const) {
  test(`${name}: the bed ducks by at least ${DOCUMENTED_DUCK_DB} dB under dialogue and voice-over, and plays in silence`, async () => {
    const m = await mixed(tools, { loudness: -16 });
    assert.ok(
      m.silent - m.dialogue >= DOCUMENTED_DUCK_DB,
      `dialogue: bed ${m.dialogue} dB vs ${m.silent} dB in silence`,
    );
    assert.ok(
      m.silent - m.voiceover >= DOCUMENTED_DUCK_DB,
      `voice-over: bed ${m.voiceover} dB vs ${m.silent} dB`,
    );
    assert.ok(m.silent > -40, `the bed is audible where nothing is said (${m.silent} dB)`);
    assert.ok(m.after - m.voiceover >= 6, `the bed comes back after the voice-over (${m.after} dB)`);
    const film = await probeMedia(SYSTEM.ffprobe, m.output);
    assert.ok(Math.abs(film.duration - 9) <= 1 / 24 + 0.03, `film lasts ${film.duration}`);
    const lufs = await integratedLoudness(m.output);
    assert.ok(Math.abs(lufs - -16) <= 1, `integrated loudness ${lufs} LUFS`);
  });
}

test("without duck: the bed keeps its level under dialogue; DUCK_DB is what the docs promise at least", async () => {
  const m = await mixed(SYSTEM, {}, false);
  assert.ok(Math.abs(m.silent - m.dialogue) < 2, `bed ${m.dialogue} dB under dialogue vs ${m.silent} dB`);
  assert.ok(DUCK_DB >= DOCUMENTED_DUCK_DB);
});

test("quiet speech still ducks the bed by the documented amount: a voice-over at -45 dBFS RMS", async () => {
  // A sine's RMS is 3 dB under its peak: amplitude 0.008 is -42 dBFS peak, -45 dBFS RMS.
  const m = await mixed(SYSTEM, {}, true, 0.008);
  assert.ok(m.silent - m.voiceover >= DOCUMENTED_DUCK_DB, `bed ${m.voiceover} dB under it vs ${m.silent} dB`);
});
