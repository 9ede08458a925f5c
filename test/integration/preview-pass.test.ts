// The preview provider's free passes: a lip-sync keeps the clip's length and size, marks it, and has the
// voice-over (after its lead silence) as its only sound; an upscale scales the small preview by the target's
// ratio to 720p, at most x2.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { verified } from "../../src/cache/artifacts/index.js";
import { cachePaths } from "../../src/cache/layout.js";
import { findMediaTools } from "../../src/media/binaries.js";
import { findPass } from "../../src/models/passes.js";
import { previewProviderOfSize } from "../../src/providers/preview.js";
import { scaledSize } from "../../src/providers/preview-pass.js";
import type { PassJob, ProviderContext } from "../../src/providers/types.js";
import { systemClock } from "../../src/util/clock.js";
import { sha256 } from "../../src/util/hash.js";
import { makeClip } from "../../testkit/clips.js";
import { tempDir } from "../../testkit/cli.js";
import { bandLevels, frameHashes, probe, toneFile } from "../../testkit/ffprobe.js";

const provider = previewProviderOfSize(160);

async function run(
  j: Omit<PassJob, "key" | "cost" | "priced" | "keyMaterial" | "shot" | "label" | "pricedSeconds">,
) {
  const paths = cachePaths(path.join(await tempDir("storyreel-preview-pass-"), "cache"));
  const ctx: ProviderContext = {
    paths,
    tools: findMediaTools(process.env),
    clock: systemClock,
    stopSubmitting: new AbortController().signal,
    timeoutMs: 60_000,
    slots: { acquire: async () => () => undefined },
    update: () => undefined,
  };
  const key = sha256(`${j.kind} ${j.video.file}`);
  const full: PassJob = {
    ...j,
    pricedSeconds: j.video.seconds,
    key,
    shot: "warning",
    label: `${j.kind} warning`,
    cost: 0,
    priced: true,
    keyMaterial: { k: 1 },
  };
  const sidecar = await provider.pass(full, ctx);
  assert.ok((await verified(paths, "clip", key)).ok, "stored under the pass's key");
  return { sidecar, file: paths.clip(key) };
}

test("preview lip-sync: the clip's length and size, a marker, and the voice-over after its lead as its only sound", async () => {
  const clip = makeClip({ w: 160, h: 90, fps: 24, seconds: 2, frequency: 300 });
  const voice = await toneFile(await tempDir("storyreel-voice-"), 700, 1);
  const { sidecar, file } = await run({
    kind: "lipsync",
    pass: findPass("kling-lipsync")!,
    video: { key: sha256("clip"), file: clip, seconds: 2 },
    audio: { key: sha256("voice"), file: voice, lead: 0.4 },
  });
  assert.equal(sidecar.pass, "lipsync");
  assert.equal(sidecar.provider, "preview");
  assert.equal(sidecar.cost, 0);
  const p = await probe(file);
  assert.ok(Math.abs(p.duration - 2) < 0.05, `lasts ${p.duration}`);
  assert.deepEqual(p.types.sort(), ["audio", "video"]);
  const v = p.streams.find((s) => s.codec_type === "video")!;
  assert.deepEqual([v.width, v.height], [160, 90], "not scaled to Kling's sides: a preview stays small");
  const [lead, voiced] = await bandLevels(file, 700, [
    [0, 0.35],
    [0.5, 1.3],
  ]);
  const [clipTone] = await bandLevels(file, 300, [[0.5, 1.3]]);
  assert.ok(!(lead! >= -50) && voiced! > -30, `silent for the lead, then the voice (${lead}, ${voiced} dB)`);
  assert.ok(clipTone! < voiced! - 25, `the clip's own sound is gone (${clipTone} dB)`);
  const [marked] = await frameHashes(file, false);
  const [plain] = await frameHashes(clip, false);
  assert.notEqual(marked, plain, "the picture is marked");
});

test("preview upscale: 1080p scales the preview x1.5, 4k at most x2, the length kept", async () => {
  const clip = makeClip({ w: 160, h: 90, fps: 24, seconds: 2 });
  const { sidecar, file } = await run({
    kind: "upscale",
    pass: findPass("bytedance-upscaler")!,
    video: { key: sha256("clip"), file: clip, seconds: 2 },
    height: { name: "1080p", pixels: 1080 },
  });
  assert.equal(sidecar.pass, "upscale");
  assert.deepEqual([sidecar.media?.video?.width, sidecar.media?.video?.height], [240, 136]);
  assert.ok(Math.abs((await probe(file)).duration - 2) < 0.05);
  assert.ok(sidecar.has_audio, "its sound kept");
  assert.deepEqual(scaledSize({ width: 160, height: 90 }, 2160), { width: 320, height: 180 });
});
