// kill -9 of a real storyreel process in the middle of paid work, then a resume in process, against the fake fal
// server: a graph killed mid-chain and a retake killed once its request is journaled pay for nothing twice, and
// the resumed run's report says the killed run paid. (Moved here from the graph and takes integration files.)
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { after, test } from "node:test";
import { parse } from "yaml";
import { runInProcess, spawnStoryreel, until } from "../../testkit/cli.js";
import { journalStates } from "../../testkit/cache-files.js";
import { FakeFal } from "../../testkit/fake-fal.js";
import { falEnv, TEST_FAL_KEY } from "../../testkit/fal-env.js";
import { graphBoard, twoShots } from "../helpers/boards.js";
import { makeProject } from "../helpers/project.js";

const fakes: FakeFal[] = [];
after(() => Promise.all(fakes.map((f) => f.stop())));

// A project on a fake fal of its own (each case keeps the latency it had in its integration file).
async function project(storyboard: Record<string, unknown>, latencyMs: number) {
  const fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs }).start();
  fakes.push(fake);
  const p = await makeProject({ storyboard });
  const cache = path.join(p.dir, "cache");
  const env = falEnv(fake, cache);
  const run = (...args: string[]) => runInProcess(args, { cwd: p.dir, env });
  const kill = async (args: string[], killWhen: () => Promise<boolean>) => {
    const child = spawnStoryreel(args, { cwd: p.dir, env });
    await until(killWhen);
    child.kill("SIGKILL");
    await child;
  };
  const submits = () => fake.requests.filter((r) => r.route === "submit").length;
  const report = async () =>
    JSON.parse(await readFile(path.join(p.dir, "out", "storyboard.report.json"), "utf8"));
  return { ...p, fake, cache, env, run, kill, submits, report };
}

test("kill -9 in the middle of a chain, then resume: no step is submitted twice", async () => {
  const p = await project(graphBoard("killed"), 300);
  // Killed while the first edit is at fal: the cast still is done, the edit is journaled, nothing else started.
  // (Killed between the submit and fal's answer, the still would rightly wait for --resubmit-unconfirmed.)
  const journaled = async () => {
    const dir = path.join(p.cache, "journal");
    const names = (await readdir(dir).catch(() => [] as string[])).filter((f) => !f.startsWith("."));
    const entries = await Promise.all(
      names.map(async (f) => JSON.parse(await readFile(path.join(dir, f), "utf8").catch(() => "{}"))),
    );
    return entries.some((e) => e.shot === "still keeper-lamp" && e.state === "submitted");
  };
  await p.kill(["render", p.file], journaled);
  const again = await p.run("render", p.file);
  assert.equal(again.exitCode, 0, again.stderr);
  assert.match(again.stderr, /still keeper-lamp: reattaching/);
  const counts = [...p.fake.submitsByPrompt().values()];
  assert.equal(counts.length, 7);
  assert.ok(
    counts.every((n) => n === 1),
    JSON.stringify([...p.fake.submitsByPrompt()]),
  );
});

const submittedJournaled = (cache: string) => async () => (await journalStates(cache)).includes("submitted");

test("kill -9 during a retake, then resume: the new take is collected, nothing is paid twice", async () => {
  const p = await project(twoShots("killed retake"), 200);
  assert.equal((await p.run("render", p.file)).exitCode, 0);
  p.fake.requests.length = 0;
  await p.kill(["retake", p.file, "two"], submittedJournaled(p.cache));
  assert.equal(p.submits(), 1);
  const resumed = await p.run("render", p.file);
  assert.equal(resumed.exitCode, 0, resumed.stderr);
  assert.match(resumed.stderr, /two take 2: reattaching/);
  assert.equal(p.submits(), 1, "the killed retake's request was collected, not submitted again");
  const lock = parse(await readFile(path.join(p.dir, "storyboard.lock.yaml"), "utf8"));
  assert.equal(lock.steps.find((s: { id: string }) => s.id === "shot:two").takes, 2);
});

test("the report counts what this run paid: a retake's request collected after kill -9 was paid before", async () => {
  const p = await project(twoShots("money", { takes: 2 }), 100);
  const first = await p.run("render", p.file);
  assert.equal(first.exitCode, 0, first.stderr);
  assert.equal(p.submits(), 3);
  // A retake killed once its request is journaled: the next render collects it, paid by the killed run.
  p.fake.requests.length = 0;
  await p.kill(["retake", p.file, "two"], submittedJournaled(p.cache));
  assert.equal(p.submits(), 1);
  const resumed = await p.run("render", p.file);
  assert.equal(resumed.exitCode, 0, resumed.stderr);
  assert.equal(p.submits(), 1, "collected, not submitted again");
  assert.equal((await p.report()).cost.spent, 0, "the killed run paid for it");
  assert.match(resumed.stdout + resumed.stderr, /Clips: 1 generated \(\$0\.00\)/);
  assert.match(await readFile(path.join(p.dir, "out", "storyboard.html"), "utf8"), /spent \$0\.00 this run/);
});

// A lip-synced 720p shot upscaled to 1080p: a clip, a voice-over, a lip-sync and an upscale, one after another.
const passBoard = {
  version: 1,
  render: { upscale: "1080p" },
  defaults: { model: "sora-2", duration: 4 },
  shots: [
    {
      id: "talk",
      image: "images/a.png",
      prompt: "the keeper speaks",
      voiceover: { text: "The light must not go out tonight.", voice: "am_michael" },
      lipsync: true,
    },
  ],
};

const journaledAt = (cache: string, endpoint: string) => async () => {
  const dir = path.join(cache, "journal");
  const names = (await readdir(dir).catch(() => [] as string[])).filter((f) => !f.startsWith("."));
  const entries = await Promise.all(
    names.map(async (f) => JSON.parse(await readFile(path.join(dir, f), "utf8").catch(() => "{}"))),
  );
  return entries.some((e) => e.endpoint === endpoint && e.state === "submitted");
};

for (const [pass, endpoint] of [
  ["lip-sync", "fal-ai/kling-video/lipsync/audio-to-video"],
  ["upscale", "fal-ai/bytedance-upscaler/upscale/video"],
] as const)
  test(`kill -9 during a ${pass}, then resume: nothing is paid twice`, async () => {
    const p = await project(passBoard, 400);
    await p.kill(["render", p.file], journaledAt(p.cache, endpoint));
    const resumed = await p.run("render", p.file);
    assert.equal(resumed.exitCode, 0, resumed.stderr);
    assert.match(resumed.stderr, /reattaching/);
    const byEndpoint = new Map<string, number>();
    for (const r of p.fake.requests.filter((r) => r.route === "submit")) {
      const at = new URL(r.target).pathname.slice(1);
      byEndpoint.set(at, (byEndpoint.get(at) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(byEndpoint), {
      "fal-ai/sora-2/image-to-video": 1,
      "fal-ai/kokoro/american-english": 1,
      "fal-ai/kling-video/lipsync/audio-to-video": 1,
      "fal-ai/bytedance-upscaler/upscale/video": 1,
    });
  });
