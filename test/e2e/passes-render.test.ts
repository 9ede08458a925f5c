// Finishing passes rendered by the built CLI against the fake fal (which checks every pass input against fal's
// published schema): one lip-synced shot and render.upscale 1080p over 720p clips makes one lip-sync and one
// upscale per shot that needs it, priced to the cent in the plan; editing the voice-over costs one TTS, one
// lip-sync and the upscale after it; editing another shot costs nothing on this one; a second render submits
// nothing; and bad input exits 2 at its line and column with nothing sent and nothing written.
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { listFiles, storyreel, tempDir } from "../../testkit/cli.js";
import { FakeFal } from "../../testkit/fake-fal.js";
import { falEnv, TEST_FAL_KEY } from "../../testkit/fal-env.js";
import { probe } from "../../testkit/ffprobe.js";
import { solidPng } from "../helpers/png.js";

let fake: FakeFal;
before(async () => (fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 50 }).start()));
after(() => fake.stop());

const LIPSYNC = "fal-ai/kling-video/lipsync/audio-to-video";
const UPSCALE = "fal-ai/bytedance-upscaler/upscale/video";
const SORA = "fal-ai/sora-2/image-to-video";
const KLING = "fal-ai/kling-video/v2.6/pro/image-to-video";
const TTS = "fal-ai/kokoro/american-english";

// Sora 2 makes 720p; Kling 2.6 Pro makes 1080p, so render.upscale leaves the tower alone.
const board = (o: { text?: string; storm?: string } = {}) => `version: 1
title: Passes
output: out/passes.mp4
render:
  upscale: 1080p
defaults: { model: sora-2, duration: 4 }
shots:
  - id: warning
    image: images/keeper.png
    prompt: the keeper looks up and speaks
    voiceover: { text: "${o.text ?? "The light must not go out tonight."}", voice: am_michael }
    lipsync: true
  - id: storm
    image: images/rocks.png
    prompt: ${o.storm ?? "black waves break over the rocks"}
  - id: tower
    model: kling-2.6-pro
    image: images/rocks.png
    prompt: the lighthouse at dusk
    duration: 5
    audio: false
`;

async function project(text: string) {
  const dir = await tempDir("storyreel-passes-");
  await mkdir(path.join(dir, "images"));
  await writeFile(path.join(dir, "images", "keeper.png"), solidPng(640, 360, [200, 80, 40]));
  await writeFile(path.join(dir, "images", "rocks.png"), solidPng(640, 360, [40, 80, 200]));
  await writeFile(path.join(dir, "storyboard.yaml"), text);
  const env = falEnv(fake, path.join(dir, "cache"));
  const run = (...args: string[]) => storyreel([...args, "storyboard.yaml"], { cwd: dir, env });
  const write = (t: string) => writeFile(path.join(dir, "storyboard.yaml"), t);
  return { dir, run, write };
}

const submits = () =>
  fake.requests
    .filter((r) => r.route === "submit")
    .map((r) => ({ endpoint: new URL(r.target).pathname.slice(1), input: JSON.parse(r.body) }));
const count = (endpoint: string) => submits().filter((s) => s.endpoint === endpoint).length;
function forget(): void {
  fake.requests.length = 0;
  fake.jobs.clear();
}

let p: Awaited<ReturnType<typeof project>>;

test("one lip-synced shot and render.upscale 1080p over 720p clips: one lip-sync, one upscale per 720p shot, priced to the cent", async () => {
  forget();
  p = await project(board());
  const planned = await p.run("plan", "--provider", "fal", "--json");
  assert.equal(planned.exitCode, 0, planned.stderr);
  const plan = JSON.parse(planned.stdout);
  const cost = (id: string) => plan.steps.find((s: { id: string }) => s.id === id)?.cost;
  // Kling lip-sync: $0.014/s rounded up to the next 5 s, so $0.07 for 4 s. The upscaler: $0.0072/s to 1080p,
  // 4 s = $0.0288, $0.03 to the cent. Sora 2: $0.10/s. Kling 2.6 Pro without sound: $0.07/s.
  assert.equal(cost("lipsync:warning"), 0.07);
  assert.equal(cost("upscale:warning@1080p"), 0.03);
  assert.equal(cost("upscale:storm@1080p"), 0.03);
  assert.equal(cost("upscale:tower@1080p"), undefined, "the tower is 1080p already");
  const tts = cost("voice:warning");
  assert.equal(plan.cost.new, Math.round((0.4 + 0.4 + 0.35 + tts + 0.07 + 0.03 + 0.03) * 100) / 100);
  assert.deepEqual(plan.shots[0].passes, ["lipsync:warning", "upscale:warning@1080p"]);

  const text = await p.run("plan", "--provider", "fal");
  assert.match(text.stdout, /lip-sync\s+warning\s+generate\s+\$0\.07/);
  assert.match(text.stdout, /upscale\s+storm@1080p\s+generate\s+\$0\.03\s+the clip is 1280x720, below 1080p/);

  const run = await p.run("render");
  assert.equal(run.exitCode, 0, run.stderr);
  assert.equal(count(LIPSYNC), 1);
  assert.equal(count(UPSCALE), 2);
  assert.deepEqual([count(SORA), count(KLING), count(TTS)], [2, 1, 1]);
  const sync = submits().find((s) => s.endpoint === LIPSYNC)!.input;
  assert.deepEqual(Object.keys(sync).sort(), ["audio_url", "video_url"]);
  for (const up of submits().filter((s) => s.endpoint === UPSCALE))
    assert.deepEqual(up.input, {
      video_url: up.input.video_url,
      target_resolution: "1080p",
      enhancement_preset: "aigc",
      enhancement_tier: "standard",
    });
  // The film follows the highest height asked.
  const film = await probe(path.join(p.dir, "out", "passes.mp4"));
  assert.equal(film.streams.find((s) => s.codec_type === "video")?.height, 1080);
  assert.ok(Math.abs(film.duration - 13) < 0.1, `13 s film, got ${film.duration}`);
});

test("editing the voice-over costs one TTS, one lip-sync and the upscale after it; another shot's prompt costs nothing on this one; a second render submits nothing", async () => {
  assert.ok(p, "the first test rendered");
  forget();
  await p.write(board({ text: "The light must not go out." }));
  const again = await p.run("render");
  assert.equal(again.exitCode, 0, again.stderr);
  assert.deepEqual(
    submits().map((s) => s.endpoint),
    [TTS, LIPSYNC, UPSCALE],
  );
  forget();
  await p.write(board({ text: "The light must not go out.", storm: "grey waves break over the rocks" }));
  const storm = await p.run("render");
  assert.equal(storm.exitCode, 0, storm.stderr);
  assert.deepEqual(
    submits().map((s) => s.endpoint),
    [SORA, UPSCALE],
  );
  forget();
  const none = await p.run("render");
  assert.equal(none.exitCode, 0, none.stderr);
  assert.equal(submits().length, 0);
});

const BAD: Array<[string, string, RegExp]> = [
  [
    "lipsync without a voiceover",
    board().replace(/ {4}voiceover: .*\n/, ""),
    /storyboard\.yaml:\d+:\d+: .*lipsync.*voice-?over/i,
  ],
  [
    "a voice-over longer than the clip allows",
    board({ text: Array.from({ length: 30 }, () => "word").join(" ") }),
    /storyboard\.yaml:\d+:\d+: .*voice-?over/i,
  ],
  ["an unknown upscale height", board().replace("upscale: 1080p", "upscale: 8k"), /storyboard\.yaml:5:\d+: /],
  [
    "a shot longer than the lip-sync model takes",
    board().replace(/(lipsync: true)/, "$1\n    duration: 12"),
    /storyboard\.yaml:\d+:\d+: .*(2.10|10 s)/,
  ],
];

for (const [name, text, message] of BAD)
  test(`bad input exits 2 with its position, sending and writing nothing: ${name}`, async () => {
    forget();
    const bad = await project(text);
    const before = await listFiles(bad.dir);
    const run = await bad.run("render");
    assert.equal(run.exitCode, 2, run.stderr);
    assert.match(run.stderr, message);
    assert.equal(fake.requests.length, 0, "nothing reached fal");
    assert.deepEqual(await listFiles(bad.dir), before, "nothing written");
    assert.equal((await readFile(path.join(bad.dir, "storyboard.yaml"), "utf8")).length, text.length);
  });
