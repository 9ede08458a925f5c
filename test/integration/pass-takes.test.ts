// Passes around the render: a retake of a lip-sync, a pick of it and the upscale made from it, the lock pinning
// every pass's output, --frozen rendering from them, cache gc keeping them, --max-cost and --only counting them.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { parse } from "yaml";
import { runInProcess } from "../../testkit/cli.js";
import { FakeFal } from "../../testkit/fake-fal.js";
import { falEnv, TEST_FAL_KEY } from "../../testkit/fal-env.js";
import { makeProject } from "../helpers/project.js";

let fake: FakeFal;
before(async () => (fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 20 }).start()));
after(() => fake.stop());

const LIPSYNC = "fal-ai/kling-video/lipsync/audio-to-video";
const UPSCALE = "fal-ai/bytedance-upscaler/upscale/video";

const storyboard = {
  version: 1,
  // A small film: what is tested is the passes, not the stitch (the film would otherwise be 1080p).
  render: { upscale: "1080p", resolution: "320x180" },
  defaults: { model: "sora-2", duration: 4 },
  shots: [
    {
      id: "talk",
      image: "images/a.png",
      prompt: "the keeper speaks",
      voiceover: { text: "The light must not go out.", voice: "am_michael" },
      lipsync: true,
    },
    { id: "sea", image: "images/a.png", prompt: "the sea at night" },
  ],
};

async function project() {
  fake.requests.length = 0;
  const p = await makeProject({ storyboard, images: { "a.png": [640, 360] } });
  const env = falEnv(fake, path.join(p.dir, "cache"));
  const run = (...args: string[]) => runInProcess(args, { cwd: p.dir, env });
  const lock = async () => parse(await readFile(path.join(p.dir, "storyboard.lock.yaml"), "utf8"));
  return { ...p, run, lock };
}

const submitsTo = (endpoint: string) =>
  fake.requests.filter((r) => r.route === "submit" && new URL(r.target).pathname.slice(1) === endpoint)
    .length;
const allSubmits = () => fake.requests.filter((r) => r.route === "submit").length;

test("a retake of a lip-sync makes one more, a pick uses it and makes the upscale after it; the lock pins every pass; --frozen makes nothing", async () => {
  const p = await project();
  const first = await p.run("render", p.file);
  assert.equal(first.exitCode, 0, first.stderr);
  const ids = (await p.lock()).steps.map((s: { id: string }) => s.id);
  assert.deepEqual(ids.slice(-3), ["lipsync:talk", "upscale:talk@1080p", "upscale:sea@1080p"]);
  for (const s of (await p.lock()).steps) assert.match(s.sha256, /^[0-9a-f]{64}$/, s.id);

  fake.requests.length = 0;
  const retake = await p.run("retake", p.file, "lipsync:talk");
  assert.equal(retake.exitCode, 0, retake.stderr);
  assert.deepEqual([submitsTo(LIPSYNC), allSubmits()], [1, 1], "one more lip-sync, nothing else");

  fake.requests.length = 0;
  const pick = await p.run("pick", p.file, "lipsync:talk", "2");
  assert.equal(pick.exitCode, 0, pick.stderr);
  assert.match(pick.stdout, /upscale\s+talk@1080p\s+generate/);
  const render = await p.run("render", p.file);
  assert.equal(render.exitCode, 0, render.stderr);
  assert.deepEqual([submitsTo(UPSCALE), allSubmits()], [1, 1], "the upscale made from take 2 alone");
  const locked = (await p.lock()).steps.find((s: { id: string }) => s.id === "lipsync:talk");
  assert.deepEqual([locked.take, locked.takes, locked.picked], [2, 2, true]);

  fake.requests.length = 0;
  const frozen = await p.run("render", p.file, "--frozen");
  assert.equal(frozen.exitCode, 0, frozen.stderr);
  assert.equal(fake.requests.length, 0);

  const gc = await p.run("cache", "gc", p.file, "--cache-dir", path.join(p.dir, "cache"));
  assert.equal(gc.exitCode, 0, gc.stderr);
  fake.requests.length = 0;
  const after = await p.run("render", p.file, "--frozen");
  assert.equal(after.exitCode, 0, after.stderr);
});

test("--max-cost counts the passes, and --only leaves another shot's passes out of the film", async () => {
  const p = await project();
  // Sora 2: 2 x 4 s x $0.10 = $0.80; the voice-over $0.01; the lip-sync $0.07; two upscales of 4 s $0.03 each.
  const refused = await p.run("render", p.file, "--max-cost", "0.9");
  assert.equal(refused.exitCode, 2, refused.stderr);
  assert.match(refused.stderr, /would spend \$0\.94 on 2 new clips and 1 new sound and 3 new passes/);
  assert.equal(allSubmits(), 0);
  const only = await p.run("render", p.file, "--only", "sea");
  assert.equal(only.exitCode, 1);
  assert.match(only.stderr, /left out by --only: .*lip-sync talk/);
});
