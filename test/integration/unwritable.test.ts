// A cache or output folder storyreel cannot write to is found before anything is generated (and paid for),
// and reported plainly: exit 2, the folder named, no stack trace. doctor says so too.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmod, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { listFiles, runInProcess } from "../../testkit/cli.js";
import { FakeFal } from "../../testkit/fake-fal.js";
import { falEnv, TEST_FAL_KEY } from "../../testkit/fal-env.js";
import { makeProject, shots } from "../helpers/project.js";
import { TINY_PREVIEWS } from "../../testkit/tiny-provider.js";

test("an output folder that cannot be made is refused before any request; so is a cache folder", async () => {
  const fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 50 }).start();
  try {
    const p = await makeProject({ storyboard: { version: 1, output: "blocked/film.mp4", shots: shots(2) } });
    await writeFile(path.join(p.dir, "blocked"), "a file where the output folder should be");
    const cache = path.join(p.dir, "cache");
    const r = await runInProcess(["render", p.file], { cwd: p.dir, env: falEnv(fake, cache) });
    assert.equal(r.exitCode, 2);
    assert.match(
      r.stderr,
      /^error: cannot write to \S*blocked: a file is in the way of the folder\. Nothing was generated/m,
    );
    assert.doesNotMatch(r.stderr, /hit a bug|^\s+at /m);
    assert.equal(fake.count("submit") + fake.count("initiate"), 0, "nothing uploaded or submitted");

    await writeFile(path.join(p.dir, "not-a-folder"), "");
    const badCache = path.join(p.dir, "not-a-folder", "cache");
    const c = await runInProcess(["render", p.file, "--out", "out/film.mp4"], {
      cwd: p.dir,
      env: falEnv(fake, badCache),
    });
    assert.equal(c.exitCode, 2);
    assert.match(c.stderr, /cannot write to \S*not-a-folder\/cache: a file is in the way of the folder/);
    assert.equal(fake.count("submit"), 0);
    assert.deepEqual(await listFiles(path.join(p.dir, "out")), [], "no report, no film");
  } finally {
    await fake.stop();
  }
});

test("a read-only output folder is refused before generating (as a user without root)", {
  skip: process.getuid?.() === 0 && "root can write anywhere; the file-in-the-way test covers the check",
}, async () => {
  const p = await makeProject({ storyboard: { version: 1, shots: shots(1) } });
  await mkdir(path.join(p.dir, "out"));
  await chmod(path.join(p.dir, "out"), 0o555);
  const r = await runInProcess(["render", p.file, "--provider", "preview"], { cwd: p.dir });
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /cannot write to \S*out: permission denied/);
});

test("doctor says whether the cache and output folders are writable", async () => {
  const p = await makeProject({ storyboard: { version: 1, shots: shots(1) } });
  await writeFile(path.join(p.dir, "file"), "");
  const ok = await runInProcess(["doctor", "--cache-dir", "cache"], { cwd: p.dir });
  assert.match(ok.stdout, /^cache\s+\S+cache: 0 clips, 0\.0 MB, not there yet; \S+ is writable$/m);
  assert.match(ok.stdout, /^output\s+\S+out: not there yet; \S+ is writable$/m);
  const bad = await runInProcess(["doctor", "--cache-dir", "file/cache"], { cwd: p.dir });
  assert.match(bad.stdout, /^cache\s+.*NOT writable/m);
});

// A cache folder on a tmpfs of 8 KiB: two pages, so the shots' locks and journal entries fill it at once.
async function tinyDisk(dir: string): Promise<string | undefined> {
  await mkdir(dir, { recursive: true });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=8k", "tmpfs", dir], { stdio: "ignore" });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs here (${(err as Error).message.split("\n")[0]}); needs root or CAP_SYS_ADMIN`;
  }
}

test("a cache folder that fills up says `cannot write to <folder>: no space left on the device`, no stack trace", async (t) => {
  const p = await makeProject({ storyboard: { version: 1, defaults: { audio: false }, shots: shots(3) } });
  const cache = path.join(p.dir, "cache");
  const skip = await tinyDisk(cache);
  if (skip) return t.skip(skip);
  const fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 50 }).start();
  try {
    const r = await runInProcess(["render", p.file], { cwd: p.dir, env: falEnv(fake, cache) });
    assert.equal(r.exitCode, 1);
    assert.match(
      r.stderr,
      new RegExp(`failed: s\\d: cannot write to ${cache}/\\S+: no space left on the device$`, "m"),
    );
    assert.doesNotMatch(r.stderr, /unexpected error|ENOSPC: no space left on device, write$|^\s+at /m);
  } finally {
    execFileSync("umount", [cache]);
    await fake.stop();
  }
});

test("a sidecar that is a folder is named, with what to do; not a bare EISDIR", async () => {
  const p = await makeProject({ storyboard: { version: 1, shots: shots(1) } });
  const render = () =>
    runInProcess(["render", p.file, "--provider", "preview"], { cwd: p.dir, env: TINY_PREVIEWS });
  assert.equal((await render()).exitCode, 0);
  const clips = path.join(p.dir, "out", "cache", "clips");
  const sidecar = (await readdir(clips)).find((f) => f.endsWith(".json"))!;
  await rm(path.join(clips, sidecar));
  await mkdir(path.join(clips, sidecar));
  const r = await render();
  assert.equal(r.exitCode, 1);
  assert.equal(
    r.stderr.trim().split("\n").at(-1),
    `error: ${path.join(clips, sidecar)} is a folder where storyreel keeps a file; move that folder out of the way`,
  );
  assert.doesNotMatch(r.stderr, /hit a bug|^\s+at /m);
});
