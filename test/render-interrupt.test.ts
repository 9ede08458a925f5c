// Ctrl-C: the first stops new submissions and collects what is paid for; the second exits at once, journal kept.
import assert from "node:assert/strict";
import { execa } from "execa";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { BIN, storyreel } from "./helpers/cli.js";
import { FakeFal } from "./helpers/fake-fal.js";
import { falEnv, TEST_FAL_KEY } from "./helpers/fal-env.js";
import { makeProject, shots } from "./helpers/project.js";

let fake: FakeFal;
before(async () => (fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 1200 }).start()));
after(() => fake.stop());

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("first Ctrl-C: no new submits, the running clip is collected, exit 130 with how to resume", async () => {
  const p = await makeProject({
    storyboard: { version: 1, shots: shots(3).map((s, i) => ({ ...s, prompt: `interrupt ${i}` })) },
  });
  const cache = path.join(p.dir, "cache");
  const child = execa("node", [BIN, "render", p.file, "--concurrency", "1"], {
    cwd: p.dir,
    env: falEnv(fake, cache),
    reject: false,
  });
  await until(() => fake.jobs.size === 1);
  child.kill("SIGINT");
  const r = await child;
  assert.equal(r.exitCode, 130, r.stderr);
  assert.match(r.stderr, /Interrupted\. .*run the same command again/);
  assert.equal(fake.jobs.size, 1, "nothing new was submitted after Ctrl-C");
  const resumed = await storyreel(["render", p.file], { cwd: p.dir, env: falEnv(fake, cache) });
  assert.equal(resumed.exitCode, 0, resumed.stderr);
  assert.match(resumed.stderr, /2 generated .* 1 reused/);
  assert.deepEqual([...fake.submitsByPrompt().values()], [1, 1, 1]);
});

test("second Ctrl-C exits at once and keeps the journal for the next run", async () => {
  fake.jobs.clear();
  const p = await makeProject({
    storyboard: { version: 1, shots: [{ id: "one", image: "images/a.png", prompt: "double interrupt" }] },
  });
  const cache = path.join(p.dir, "cache");
  const child = execa("node", [BIN, "render", p.file], {
    cwd: p.dir,
    env: falEnv(fake, cache),
    reject: false,
  });
  await until(() => fake.jobs.size === 1);
  await new Promise((r) => setTimeout(r, 100));
  child.kill("SIGINT");
  await new Promise((r) => setTimeout(r, 50));
  child.kill("SIGINT");
  const r = await child;
  assert.equal(r.exitCode, 130);
  assert.equal((await readdir(path.join(cache, "journal"))).length, 1);
  const resumed = await storyreel(["render", p.file], { cwd: p.dir, env: falEnv(fake, cache) });
  assert.equal(resumed.exitCode, 0, resumed.stderr);
  assert.equal(fake.jobs.size, 1, "the journaled request was collected, not paid again");
});
