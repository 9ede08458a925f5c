// Offline stand-ins: a voice-over spoken by flite where ffmpeg has it, else a tone of the estimated length;
// a music bed of the length asked for. Each enters the sound cache with its measured length.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { verified } from "../../src/cache/artifacts/index.js";
import { cachePaths } from "../../src/cache/layout.js";
import { findMediaTools, type MediaTools } from "../../src/media/binaries.js";
import { audioModelRegistry } from "../../src/models/audio-registry.js";
import { previewSound } from "../../src/providers/preview-sound.js";
import type { ProviderContext, SoundJob } from "../../src/providers/types.js";
import { systemClock } from "../../src/util/clock.js";
import { BUNDLED } from "../../testkit/clips.js";
import { tempDir } from "../../testkit/cli.js";

const TEXT = "He had kept the light for forty years, and the sea had kept him.";

async function make(job: Partial<SoundJob>, tools: MediaTools) {
  const paths = cachePaths(path.join(await tempDir("storyreel-sound-"), "cache"));
  const ctx: ProviderContext = {
    paths,
    tools,
    clock: systemClock,
    stopSubmitting: new AbortController().signal,
    timeoutMs: 60_000,
    slots: { acquire: async () => () => undefined },
    update: () => undefined,
  };
  const full: SoundJob = {
    key: "a".repeat(64),
    kind: "voice",
    standIn: "speech",
    label: "voice-over a",
    model: audioModelRegistry().get("fal-ai/kokoro/american-english")!,
    input: { prompt: TEXT, voice: "am_adam" },
    text: TEXT,
    cost: 0,
    priced: true,
    keyMaterial: {},
    ...job,
  };
  const sidecar = await previewSound(full, ctx);
  assert.ok(
    (await verified(paths, "sound", full.key)).ok,
    "the sound is in the cache, its bytes matching its sidecar",
  );
  return sidecar;
}

test("without flite or espeak-ng (the bundled ffmpeg 4.1): a tone of the estimated length, 14 words at 2.5 a second", async () => {
  const s = await make({}, BUNDLED);
  // espeak-ng, when a machine has it, speaks whatever ffmpeg there is.
  assert.ok(["tone", "espeak-ng"].includes(s.voiced_by!), `voiced by ${s.voiced_by}`);
  if (s.voiced_by === "tone") assert.ok(Math.abs(s.duration - 14 / 2.5) < 0.05, `lasts ${s.duration}`);
  assert.equal(s.provider, "preview");
  assert.equal(s.cost, 0);
});

test("with Debian's ffmpeg: spoken by flite (or espeak-ng), a few seconds long", async () => {
  const s = await make({}, findMediaTools(process.env));
  assert.ok(["flite", "espeak-ng"].includes(s.voiced_by!), `voiced by ${s.voiced_by}`);
  assert.ok(s.duration > 2 && s.duration < 10, `lasts ${s.duration}`);
});

test("a music bed stand-in lasts the seconds asked for", async () => {
  const s = await make(
    {
      kind: "music",
      standIn: "bed",
      label: "music bed",
      model: audioModelRegistry().get("cassetteai/music-generator")!,
      input: { prompt: "slow piano", duration: 30 },
      text: "slow piano",
      seconds: 30,
    },
    findMediaTools(process.env),
  );
  assert.equal(s.voiced_by, "chord");
  assert.ok(Math.abs(s.duration - 30) < 0.05, `lasts ${s.duration}`);
});
