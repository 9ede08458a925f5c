// Ctrl-C: the first stops new submissions and collects what is paid for; the second exits at once, journal kept.
// The first runs in process (aborting the context's signal is exactly what the SIGINT handler does); the second
// needs the real process, whose SIGINT handler calls process.exit. Both are triggered by observed events.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { runInProcess, spawnStoryreel, until } from "../../testkit/cli.js";
import { FakeFal } from "../../testkit/fake-fal.js";
import { falEnv, TEST_FAL_KEY } from "../../testkit/fal-env.js";
import { makeProject, shots } from "../helpers/project.js";
import { journalStates } from "../../testkit/cache-files.js";

let fake: FakeFal;
before(async () => (fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 600 }).start()));
after(() => fake.stop());

test("first Ctrl-C: no new submits, the running clip is collected, exit 130 with how to resume", async () => {
  fake.jobs.clear();
  const p = await makeProject({
    storyboard: { version: 1, shots: shots(3).map((s, i) => ({ ...s, prompt: `interrupt ${i}` })) },
  });
  const cache = path.join(p.dir, "cache");
  const ctrlC = new AbortController();
  // Ctrl-C the moment fal has the first submit: the clip in flight is paid for, the other two are not started.
  void fake.until(() => fake.jobs.size === 1).then(() => ctrlC.abort());
  const r = await runInProcess(["render", p.file, "--concurrency", "1"], {
    cwd: p.dir,
    env: falEnv(fake, cache),
    signal: ctrlC.signal,
  });
  assert.equal(r.exitCode, 130, r.stderr);
  assert.match(r.stderr, /Stopping: no new shots will be submitted/);
  assert.match(r.stderr, /Interrupted\. .*run the same command again/);
  assert.equal(fake.jobs.size, 1, "nothing new was submitted after Ctrl-C");
  assert.ok(
    [...fake.jobs.values()].every((j) => j.fetched),
    "the clip already paid for was collected before exiting",
  );
  const resumed = await runInProcess(["render", p.file], { cwd: p.dir, env: falEnv(fake, cache) });
  assert.equal(resumed.exitCode, 0, resumed.stderr);
  assert.match(resumed.stderr, /2 generated .* 1 reused/);
  assert.deepEqual([...fake.submitsByPrompt().values()], [1, 1, 1]);
});

test("SIGTERM is a first Ctrl-C, a second signal exits at once, the journal is kept, stale temp files are swept (real process)", async () => {
  const slow = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 20_000 }).start();
  try {
    const p = await makeProject({
      storyboard: { version: 1, shots: [{ id: "one", image: "images/a.png", prompt: "double interrupt" }] },
    });
    const cache = path.join(p.dir, "cache");
    const child = spawnStoryreel(["render", p.file], { cwd: p.dir, env: falEnv(slow, cache) });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    // Wait until the request id is journaled (the run is then waiting on fal), then press Ctrl-C twice: the
    // second once the first has been honoured, so the two signals cannot merge into one.
    await until(async () => (await journalStates(cache)).includes("submitted"));
    child.kill("SIGTERM");
    await until(() => stderr.includes("Stopping:"));
    child.kill("SIGINT");
    const r = await child;
    assert.equal(r.exitCode, 130);
    assert.equal(slow.count("result") + slow.count("download"), 0, "it left without waiting for the clip");
    assert.equal((await readdir(path.join(cache, "journal"))).length, 1);
    // A film being written when its process was killed leaves a hidden temp file; the next run removes it.
    const dead = 4_194_000;
    assert.throws(() => process.kill(dead, 0), "the pid is not in use");
    const stale = path.join(p.dir, "out", `.storyboard.mp4.${dead}.0123abcd.tmp`);
    await mkdir(path.dirname(stale), { recursive: true });
    await writeFile(stale, "half a film");
    // The next run collects the journaled request (fal has finished it by now), paying nothing again.
    slow.options.latencyMs = 0;
    const resumed = await runInProcess(["render", p.file], { cwd: p.dir, env: falEnv(slow, cache) });
    assert.equal(resumed.exitCode, 0, resumed.stderr);
    assert.ok(!existsSync(stale), "the dead process's temp file was swept");
    assert.equal(slow.jobs.size, 1, "the journaled request was collected, not paid again");
  } finally {
    await slow.stop();
  }
});

test("Ctrl-C during preview generation: the previews stop, marked interrupted, not failed; no ffmpeg dump", async () => {
  const p = await makeProject({
    storyboard: { version: 1, shots: shots(4).map((s, i) => ({ ...s, prompt: `preview ${i}` })) },
  });
  const ctrlC = new AbortController();
  const r = await runInProcess(["render", p.file, "--provider", "preview", "--concurrency", "2"], {
    cwd: p.dir,
    signal: ctrlC.signal,
    // Ctrl-C as soon as a preview is being made.
    onStderr: (text) => text.includes("in progress: rendering preview") && ctrlC.abort(),
  });
  assert.equal(r.exitCode, 130, r.stderr);
  assert.doesNotMatch(r.stderr, /[1-9] failed|failed:|ffmpeg|-filter_complex|journaled|paid for\./);
  assert.match(r.stderr, /Stopping: the previews being made are stopped \(nothing is paid for\)/);
  assert.match(r.stderr, /interrupted: the preview is made again next run/);
  assert.match(r.stderr, /Interrupted\. Run the same command again to make the rest\./);
  const again = await runInProcess(["render", p.file, "--provider", "preview"], { cwd: p.dir });
  assert.equal(again.exitCode, 0, again.stderr);
});
