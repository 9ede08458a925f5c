// The fal provider's passes through the real @fal-ai/client against the fake fal: the request field by field
// (the fake's storage URLs, Sync's mode and model, the upscaler's fixed fields), a journaled submit collected
// without a second one, a clip too small for Kling scaled before it is sent, a voice-over given its lead
// silence, and what cannot fit refused with nothing sent.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { verified } from "../../src/cache/artifacts/index.js";
import { writeJournal } from "../../src/cache/journal.js";
import { cachePaths } from "../../src/cache/layout.js";
import { ProviderError } from "../../src/errors.js";
import { findMediaTools } from "../../src/media/binaries.js";
import { findPass } from "../../src/models/passes.js";
import { makeFalClient } from "../../src/providers/fal/client.js";
import { falProvider } from "../../src/providers/fal/provider.js";
import { ImageUploads } from "../../src/providers/fal/uploads.js";
import type { PassJob, ProviderContext, StepUpdate } from "../../src/providers/types.js";
import { systemClock } from "../../src/util/clock.js";
import { sha256 } from "../../src/util/hash.js";
import { makeClip } from "../../testkit/clips.js";
import { tempDir } from "../../testkit/cli.js";
import { FakeFal } from "../../testkit/fake-fal.js";
import { bandLevels, probe, toneFile } from "../../testkit/ffprobe.js";

const VOICE_HZ = 700;
let fake: FakeFal;
let dir: string;

before(async () => {
  fake = await new FakeFal({ latencyMs: 30 }).start();
  dir = await tempDir("storyreel-passes-");
});
after(() => fake.stop());

async function setup() {
  const paths = cachePaths(path.join(await tempDir("storyreel-passes-cache-"), "cache"));
  const client = makeFalClient({ credentials: fake.key, proxyUrl: fake.proxyUrl });
  const provider = falProvider({
    fal: client,
    uploads: new ImageUploads(client, paths.uploads, systemClock),
    pollMs: 10,
    resubmitUnconfirmed: false,
    claimed: new Set(),
  });
  const updates: StepUpdate[] = [];
  const ctx: ProviderContext = {
    paths,
    tools: findMediaTools(process.env),
    clock: systemClock,
    stopSubmitting: new AbortController().signal,
    timeoutMs: 60_000,
    slots: { acquire: async () => () => undefined },
    update: (u) => updates.push(u),
  };
  return { paths, provider, ctx, updates };
}

let n = 0;
function job(pass: string, file: string, seconds: number, extra: Partial<PassJob> = {}): PassJob {
  const model = findPass(pass)!;
  n += 1;
  return {
    key: sha256(`pass ${n} ${process.pid}`),
    kind: model.kind,
    label: `${model.kind} warning`,
    shot: "warning",
    pass: model,
    video: { key: sha256(`clip ${n}`), file, seconds },
    pricedSeconds: seconds,
    cost: 0.07,
    priced: true,
    keyMaterial: { pass: model.name, n },
    ...extra,
  };
}

// The submits this test made, by endpoint (the fake is shared by the file's tests).
function submitsTo(endpoint: string, since: number): Array<Record<string, unknown>> {
  return [...fake.jobs.values()]
    .slice(since)
    .filter((j) => j.endpoint === endpoint)
    .map((j) => j.input);
}

// A file the fake's storage holds, written out to be probed.
async function uploadedFile(url: unknown, name: string): Promise<string> {
  const bytes = fake.uploaded(url);
  assert.ok(bytes, `${String(url)} is in the fake's storage`);
  const file = path.join(dir, `${n}-${name}`);
  await writeFile(file, bytes);
  return file;
}

const voice = (seconds: number) => toneFile(dir, VOICE_HZ, seconds);
const isStorage = (url: unknown) => typeof url === "string" && url.startsWith(`${fake.url}/files/`);

test("Kling lip-sync: the clip and the voice-over uploaded, the voice padded to Kling's 2 s, the result stored as the pass's clip carrying the voice", async () => {
  const { provider, ctx, paths } = await setup();
  const clip = makeClip({ w: 1280, h: 720, fps: 4, seconds: 3, frequency: 300 });
  const j = job("kling-lipsync", clip, 3, {
    audio: { key: sha256("voice"), file: await voice(1.2), lead: 0 },
  });
  const since = fake.jobs.size;
  const sidecar = await provider.pass(j, ctx);
  const [input, ...more] = submitsTo("fal-ai/kling-video/lipsync/audio-to-video", since);
  assert.equal(more.length, 0, "one submit");
  assert.deepEqual(Object.keys(input!).sort(), ["audio_url", "video_url"]);
  assert.ok(isStorage(input!.video_url) && isStorage(input!.audio_url), JSON.stringify(input));
  const sent = await probe(await uploadedFile(input!.video_url, "video.mp4"));
  assert.deepEqual(
    [sent.streams[0]!.width, sent.streams[0]!.height],
    [1280, 720],
    "a 720p clip is sent as it is",
  );
  const audio = await probe(await uploadedFile(input!.audio_url, "voice.wav"));
  assert.ok(Math.abs(audio.duration - 2) < 0.01, `the 1.2 s voice is padded to 2 s (${audio.duration})`);
  assert.equal(sidecar.pass, "lipsync");
  assert.equal(sidecar.from, j.video.key);
  assert.equal(sidecar.shot, "warning");
  assert.equal(sidecar.endpoint, "fal-ai/kling-video/lipsync/audio-to-video");
  assert.deepEqual(sidecar.input, input);
  assert.deepEqual(sidecar.key_material, j.keyMaterial);
  assert.equal(sidecar.cost, 0.07);
  assert.ok(sidecar.request_id && sidecar.video_url);
  assert.ok((await verified(paths, "clip", j.key)).ok, "stored under the pass's key");
  const out = paths.clip(j.key);
  assert.ok(Math.abs((await probe(out)).duration - 3) < 0.1, "as long as the clip");
  const [voiced, clipTone] = await Promise.all([
    bandLevels(out, VOICE_HZ, [[0.2, 1]]),
    bandLevels(out, 300, [[0.2, 1]]),
  ]);
  // The clip's own 300 Hz tone is gone: only the voice's leak through the 300 Hz band is left.
  assert.ok(
    voiced[0]! > -30 && clipTone[0]! < voiced[0]! - 25,
    `its sound is the voice (${voiced}, ${clipTone} dB)`,
  );
});

test("Sync lip-sync: sync_mode (silence by default) and model lipsync-2 sent; the voice-over given its 0.8 s lead", async () => {
  const { provider, ctx } = await setup();
  const clip = makeClip({ w: 160, h: 90, fps: 4, seconds: 3 });
  const j = job("sync-lipsync-2", clip, 3, { audio: { key: sha256("v2"), file: await voice(1), lead: 0.8 } });
  const since = fake.jobs.size;
  await provider.pass(j, ctx);
  const [input] = submitsTo("fal-ai/sync-lipsync/v2", since);
  assert.equal(input!.sync_mode, "silence");
  assert.equal(input!.model, "lipsync-2");
  assert.deepEqual(Object.keys(input!).sort(), ["audio_url", "model", "sync_mode", "video_url"]);
  const sent = await uploadedFile(input!.audio_url, "lead.wav");
  assert.ok(Math.abs((await probe(sent)).duration - 1.8) < 0.01, "0.8 s of silence, then the 1 s voice");
  const [lead, spoken] = await bandLevels(sent, VOICE_HZ, [
    [0, 0.75],
    [0.9, 1.7],
  ]);
  // Digital silence reads -inf (NaN once parsed).
  assert.ok(!(lead! >= -60) && spoken! > -30, `silent, then the voice (${lead}, ${spoken} dB)`);
});

test("upscale: target_resolution, preset aigc, tier standard, no target_fps; the output's size recorded as made", async () => {
  const { provider, ctx } = await setup();
  const clip = makeClip({ w: 160, h: 90, fps: 4, seconds: 2 });
  const j = job("bytedance-upscaler", clip, 2, { height: { name: "4k", pixels: 2160 } });
  const since = fake.jobs.size;
  const sidecar = await provider.pass(j, ctx);
  const [input] = submitsTo("fal-ai/bytedance-upscaler/upscale/video", since);
  assert.ok(isStorage(input!.video_url));
  assert.deepEqual(
    { ...input, video_url: "" },
    { video_url: "", target_resolution: "4k", enhancement_preset: "aigc", enhancement_tier: "standard" },
  );
  assert.equal(sidecar.pass, "upscale");
  // The fake serves the input as it is unless told to scale: the provider does not insist on the height.
  assert.deepEqual([sidecar.media?.video?.width, sidecar.media?.video?.height], [160, 90]);
});

test("a journaled submit is collected, not submitted again", async () => {
  const { provider, ctx, paths } = await setup();
  const clip = makeClip({ w: 160, h: 90, fps: 4, seconds: 2 });
  const j = job("bytedance-upscaler", clip, 2, { height: { name: "1080p", pixels: 1080 } });
  const uploads = new ImageUploads(
    makeFalClient({ credentials: fake.key, proxyUrl: fake.proxyUrl }),
    paths.uploads,
    systemClock,
  );
  const input = { video_url: await uploads.urlForFile(clip, "video/mp4"), target_resolution: "1080p" };
  const requestId = fake.acceptFrom(j.pass.endpoint, input);
  const at = new Date().toISOString();
  await writeJournal(paths, {
    version: 1,
    key: j.key,
    shot: j.shot,
    endpoint: j.pass.endpoint,
    state: "submitted",
    request_id: requestId,
    input,
    submitted_at: at,
  });
  const submits = fake.count("submit");
  const sidecar = await provider.pass(j, ctx);
  assert.equal(fake.count("submit"), submits, "no second submit");
  assert.equal(sidecar.request_id, requestId);
  assert.deepEqual(sidecar.input, input);
});

test("a 160x90 clip is scaled to 1280x720 locally before Kling sees it, and said so", async () => {
  const { provider, ctx, updates } = await setup();
  const clip = makeClip({ w: 160, h: 90, fps: 4, seconds: 2 });
  const j = job("kling-lipsync", clip, 2, { audio: { key: sha256("v3"), file: await voice(2), lead: 0 } });
  const since = fake.jobs.size;
  await provider.pass(j, ctx);
  const [input] = submitsTo(j.pass.endpoint, since);
  const sent = await probe(await uploadedFile(input!.video_url, "scaled.mp4"));
  const v = sent.streams.find((s) => s.codec_type === "video")!;
  assert.deepEqual([v.width, v.height], [1280, 720]);
  assert.ok(sent.types.includes("audio"), "its sound copied");
  assert.ok(
    updates.some(
      (u) => u.detail === "the clip came back 160x90; scaled to 1280x720 locally for kling-lipsync",
    ),
    JSON.stringify(updates.map((u) => u.detail)),
  );
});

test("a clip longer than the plan priced is cut to the priced length before Kling bills it", async () => {
  const { provider, ctx, updates } = await setup();
  // 5.5 s came back for a 5 s shot: Kling bills per started 5 s, so 5.5 s would cost $0.14, not the $0.07 priced.
  const clip = makeClip({ w: 1280, h: 720, fps: 4, seconds: 5.5 });
  const j = job("kling-lipsync", clip, 5.5, {
    pricedSeconds: 5,
    audio: { key: sha256("v-cut"), file: await voice(2), lead: 0 },
  });
  const since = fake.jobs.size;
  await provider.pass(j, ctx);
  const [input] = submitsTo(j.pass.endpoint, since);
  const sent = await probe(await uploadedFile(input!.video_url, "cut.mp4"));
  assert.ok(sent.duration <= 5 && sent.duration > 4.9, `cut to 5 s at most, sent ${sent.duration}`);
  assert.ok(updates.some((u) => /lasts 5\.50 s; cut to the 5 s priced/.test(u.detail ?? "")));
});

test("refused with nothing uploaded or submitted: a voice-over longer than the clip, an extreme aspect, a clip longer than Kling takes", async () => {
  const { provider, ctx } = await setup();
  const [uploads, submits] = [fake.count("initiate"), fake.count("submit")];
  const short = makeClip({ w: 1280, h: 720, fps: 4, seconds: 2 });
  const cases: Array<[PassJob, RegExp]> = [
    [
      job("kling-lipsync", short, 2, { audio: { key: sha256("v4"), file: await voice(3), lead: 0 } }),
      /voice-over lasts 3\.00 s, past the clip's 2\.00 s/,
    ],
    [
      job("kling-lipsync", short, 2, { audio: { key: sha256("v5"), file: await voice(1.5), lead: 1 } }),
      /voice-over ends at 2\.50 s, past the clip/,
    ],
    [
      job("kling-lipsync", makeClip({ w: 1280, h: 90, fps: 4, seconds: 2 }), 2, {
        audio: { key: sha256("v6"), file: await voice(2), lead: 0 },
      }),
      /1280x90; no size of that shape/,
    ],
    [
      job("kling-lipsync", makeClip({ w: 1280, h: 720, fps: 2, seconds: 11 }), 11, {
        audio: { key: sha256("v7"), file: await voice(2), lead: 0 },
      }),
      /lasts 11\.00 s; kling-lipsync takes 10 s at most/,
    ],
  ];
  for (const [j, message] of cases)
    await assert.rejects(provider.pass(j, ctx), (err: unknown) => {
      assert.ok(err instanceof ProviderError && !err.transient, String(err));
      assert.match(err.message, message);
      return true;
    });
  assert.equal(fake.count("initiate"), uploads, "nothing uploaded");
  assert.equal(fake.count("submit"), submits, "nothing submitted");
});

test("the fake scales an upscale's input to its target when asked", async () => {
  const real = await new FakeFal({ latencyMs: 30, upscaleForReal: true }).start();
  try {
    const { ctx, paths } = await setup();
    const client = makeFalClient({ credentials: real.key, proxyUrl: real.proxyUrl });
    const provider = falProvider({
      fal: client,
      uploads: new ImageUploads(client, paths.uploads, systemClock),
      pollMs: 10,
      resubmitUnconfirmed: false,
      claimed: new Set(),
    });
    const j = job("bytedance-upscaler", makeClip({ w: 160, h: 90, fps: 4, seconds: 2 }), 2, {
      height: { name: "1080p", pixels: 1080 },
    });
    const sidecar = await provider.pass(j, ctx);
    assert.deepEqual([sidecar.media?.video?.width, sidecar.media?.video?.height], [1920, 1080]);
  } finally {
    await real.stop();
  }
});
