// Never pay twice: kill -9 (a real child process) and resume (in process), expired request ids, and two
// processes sharing one cache.
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { runInProcess, spawnStoryreel, storyreel, until } from "../../testkit/cli.js";
import { FakeFal } from "../../testkit/fake-fal.js";
import { falEnv, TEST_FAL_KEY } from "../../testkit/fal-env.js";
import { makeProject, shots } from "../helpers/project.js";
import { journalStates } from "../../testkit/cache-files.js";

let fake: FakeFal;
before(async () => (fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 800 }).start()));
after(() => fake.stop());

async function project(n: number, tag: string) {
  fake.requests.length = 0;
  fake.jobs.clear();
  const p = await makeProject({
    storyboard: { version: 1, shots: shots(n).map((s, i) => ({ ...s, prompt: `${tag} ${i}` })) },
  });
  return { ...p, cache: path.join(p.dir, "cache") };
}

test("kill -9 mid-run, then run again: every key is submitted exactly once", async () => {
  const p = await project(4, "killed");
  const child = spawnStoryreel(["render", p.file, "--concurrency", "2"], {
    cwd: p.dir,
    env: falEnv(fake, p.cache),
  });
  await until(async () => (await journalStates(p.cache)).filter((s) => s === "submitted").length === 2);
  child.kill("SIGKILL");
  const killed = await child;
  assert.equal(killed.signal, "SIGKILL");
  const journaled = (await readdir(path.join(p.cache, "journal"))).filter((f) => !f.startsWith("."));
  assert.equal(journaled.length, 2, "both in-flight requests were journaled before waiting");
  const again = await runInProcess(["render", p.file, "--concurrency", "2"], {
    cwd: p.dir,
    env: falEnv(fake, p.cache),
  });
  assert.equal(again.exitCode, 0, again.stderr);
  assert.match(again.stderr, /reattaching/);
  assert.deepEqual([...fake.submitsByPrompt().values()], [1, 1, 1, 1]);
  assert.equal(fake.jobs.size, 4);
  assert.deepEqual(
    await readdir(path.join(p.cache, "journal")),
    [],
    "journal entries and orphaned temp files are gone",
  );
});

test("killed between fal's answer and the journal: the next run finds the request in fal's listing and pays nothing again", async () => {
  const p = await project(1, "unconfirmed");
  fake.faults.push({ route: "submit", times: 1, action: { delayMs: 2000 } });
  const child = spawnStoryreel(["render", p.file], { cwd: p.dir, env: falEnv(fake, p.cache) });
  await until(
    async () => fake.count("submit") === 1 && (await journalStates(p.cache)).includes("submitting"),
  );
  child.kill("SIGKILL");
  await child;
  // fal queued it after the kill (its answer went nowhere); the listing shows it once it has ended.
  await until(() => fake.jobs.size === 1);
  const again = await runInProcess(["render", p.file], { cwd: p.dir, env: falEnv(fake, p.cache) });
  assert.equal(again.exitCode, 0, again.stderr);
  assert.match(again.stderr, /found request req-\d+ in fal's request listing/);
  assert.equal(fake.count("submit"), 1, "no second submit");
  assert.ok(fake.count("listing") >= 1);
  const ledger = await readFile(path.join(p.cache, "spend.jsonl"), "utf8");
  assert.match(ledger, /"found_by_listing":true/, "the found request is in the spend ledger");
});

test("a journaled request id that fal no longer knows (404) is submitted again", async () => {
  const p = await project(1, "expired");
  // Its own slower fake: on a loaded machine the clip must not finish before the kill lands.
  const fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 3000 }).start();
  after(() => fake.stop());
  const child = spawnStoryreel(["render", p.file], { cwd: p.dir, env: falEnv(fake, p.cache) });
  await until(() => fake.jobs.size >= 1);
  // Only the journal itself counts, not the temporary file it is renamed from (a kill before the rename
  // leaves the entry unconfirmed).
  const journal = async () =>
    (await readdir(path.join(p.cache, "journal")).catch(() => [])).filter((n) => !n.startsWith("."));
  await until(
    async () =>
      (await journal()).length === 1 &&
      (await readFile(path.join(p.cache, "journal", (await journal())[0]!), "utf8")).includes("req-"),
  );
  child.kill("SIGKILL");
  await child;
  for (const id of [...fake.jobs.keys()]) fake.forget(id);
  const again = await runInProcess(["render", p.file], { cwd: p.dir, env: falEnv(fake, p.cache) });
  assert.equal(again.exitCode, 0, again.stderr);
  assert.match(again.stderr, /no longer knows request req-\d+; submitting again/);
  assert.equal(fake.count("submit"), 2);
});

test("two renders at once on one cache never submit the same key twice", async () => {
  const p = await project(3, "shared");
  const env = falEnv(fake, p.cache);
  const [a, b] = await Promise.all([
    storyreel(["render", p.file], { cwd: p.dir, env }),
    storyreel(["render", p.file], { cwd: p.dir, env }),
  ]);
  assert.equal(a.exitCode, 0, a.stderr);
  assert.equal(b.exitCode, 0, b.stderr);
  assert.deepEqual([...fake.submitsByPrompt().values()], [1, 1, 1]);
  assert.match(a.stderr + b.stderr, /made by another render meanwhile/);
});
