// Per-key mutexes on a temp dir: a live holder makes others wait, a dead or abandoned one is taken over.
// acquireMutex has no clock or liveness parameter, so "dead" is a real exited pid and "old" a back-dated mtime.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { processStartTime } from "../../src/cache/atomic.js";
import { acquireMutex } from "../../src/cache/mutex.js";

let dir: string;
// A pid that surely belongs to no process: a child that has exited (started early, awaited where needed).
let deadPid: Promise<number>;
before(async () => {
  const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore", env: {} });
  deadPid = once(child, "exit").then(() => child.pid!);
  dir = await mkdtemp(path.join(tmpdir(), "storyreel-unit-lock-"));
});
after(() => rm(dir, { recursive: true, force: true }));

let n = 0;
const lockFile = () => path.join(dir, "locks", `key${++n}.lock`);
const owner = (pid: number, host = hostname()) =>
  JSON.stringify({ pid, host, since: "2025-01-01T00:00:00.000Z" });
const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

// Resolves with the owner it waited for, once acquireMutex has been aborted while waiting.
async function waitsFor(file: string, abortAfterMs?: number): Promise<unknown[]> {
  const controller = new AbortController();
  const seen: unknown[] = [];
  const timer = abortAfterMs === undefined ? undefined : setTimeout(() => controller.abort(), abortAfterMs);
  const onWait = (o: unknown) => {
    seen.push(o);
    controller.abort();
  };
  await assert.rejects(acquireMutex(file, { signal: controller.signal, pollMs: 2, onWait }), {
    name: "AbortError",
  });
  clearTimeout(timer);
  return seen;
}

test("a free key is locked at once, records this process, and release removes the lock", async () => {
  const file = lockFile();
  const lock = await acquireMutex(file, { pollMs: 2, onWait: () => assert.fail("nobody holds it") });
  const held = JSON.parse(await readFile(file, "utf8"));
  assert.equal(held.pid, process.pid);
  assert.equal(held.host, hostname());
  assert.ok(!Number.isNaN(Date.parse(held.since)));
  await lock.release();
  assert.equal(await exists(file), false);
  await lock.release();
  const again = await acquireMutex(file, { pollMs: 2 });
  await again.release();
});

test("a live holder makes the second wait: onWait is told who holds it, once, and the lock is untouched", async () => {
  const file = lockFile();
  const first = await acquireMutex(file);
  const seen = await waitsFor(file);
  assert.equal(seen.length, 1);
  assert.equal((seen[0] as { pid: number }).pid, process.pid);
  assert.equal(JSON.parse(await readFile(file, "utf8")).pid, process.pid, "still the first holder's");
  await first.release();
});

test("the waiter gets the lock as soon as the holder releases it", async () => {
  const file = lockFile();
  const first = await acquireMutex(file);
  let waited = false;
  const lock = await acquireMutex(file, {
    pollMs: 2,
    onWait: () => {
      waited = true;
      void first.release();
    },
  });
  assert.equal(waited, true);
  assert.equal(JSON.parse(await readFile(file, "utf8")).pid, process.pid);
  await lock.release();
});

test("a dead holder's lock on this host is taken over without waiting", async () => {
  const file = lockFile();
  await acquireMutex(file).then((l) => l.release());
  const pid = await deadPid;
  await writeFile(file, owner(pid));
  const lock = await acquireMutex(file, { pollMs: 2, onWait: () => assert.fail(`pid ${pid} is dead`) });
  const held = JSON.parse(await readFile(file, "utf8"));
  assert.equal(held.pid, process.pid);
  await lock.release();
  assert.equal(await exists(file), false);
  assert.equal(await exists(`${file}.stale.${process.pid}`), false, "the stale copy is cleaned up");
});

test("a lock held on another host is trusted, even with a pid that is dead here", async () => {
  const file = lockFile();
  await acquireMutex(file).then((l) => l.release());
  const pid = await deadPid;
  await writeFile(file, owner(pid, `${hostname()}-elsewhere`));
  const seen = await waitsFor(file);
  assert.equal((seen[0] as { host: string }).host, `${hostname()}-elsewhere`);
  assert.equal(JSON.parse(await readFile(file, "utf8")).pid, pid);
});

test("an unreadable lock is given a moment (it may be mid-write), then taken over once old", async () => {
  const file = lockFile();
  await acquireMutex(file).then((l) => l.release());
  await writeFile(file, "{");
  assert.deepEqual(await waitsFor(file, 30), [], "waits for a fresh half-written lock, naming no owner");
  assert.equal(await readFile(file, "utf8"), "{");
  const old = new Date(Date.now() - 10_000);
  await utimes(file, old, old);
  const lock = await acquireMutex(file, { pollMs: 2 });
  assert.equal(JSON.parse(await readFile(file, "utf8")).pid, process.pid);
  await lock.release();
});

test("an already aborted signal refuses before touching the lock", async () => {
  const file = lockFile();
  await assert.rejects(acquireMutex(file, { signal: AbortSignal.abort() }), { name: "AbortError" });
  assert.equal(await exists(file), false);
});

test("a lock whose pid was reused by another process (a different start time) is taken over", {
  skip: !existsSync("/proc/self/stat") && "no /proc: locks fall back to the pid alone",
}, async () => {
  const file = lockFile();
  await mkdir(path.dirname(file), { recursive: true });
  // This process's pid is alive, but the holder that wrote this lock started at another time.
  await writeFile(file, JSON.stringify({ pid: process.pid, host: hostname(), since: "x", started: "1" }));
  let waited = false;
  const lock = await acquireMutex(file, { pollMs: 5, onWait: () => (waited = true) });
  assert.equal(waited, false);
  const mine = JSON.parse(await readFile(file, "utf8"));
  assert.equal(mine.started, processStartTime(process.pid));
  await lock.release();
  // Another live process named with its right start time is the holder: the second locker waits.
  const holder = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  await once(holder, "spawn");
  after(() => holder.kill("SIGKILL"));
  const started = processStartTime(holder.pid!);
  await writeFile(file, JSON.stringify({ pid: holder.pid, host: hostname(), since: "x", started }));
  const stop = new AbortController();
  const waiting = acquireMutex(file, { pollMs: 5, signal: stop.signal, onWait: () => stop.abort() });
  await assert.rejects(waiting);
});

test("a lock naming this process that it does not hold (put back by a race) is not waited for", async () => {
  const file = lockFile();
  await mkdir(path.dirname(file), { recursive: true });
  const started = processStartTime(process.pid);
  await writeFile(file, JSON.stringify({ pid: process.pid, host: hostname(), since: "x", started }));
  const lock = await acquireMutex(file, { pollMs: 5 });
  await lock.release();
});
