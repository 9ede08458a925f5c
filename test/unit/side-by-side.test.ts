// Jobs side by side: the first failure skips the queued jobs, stops the running ones, and is the error thrown.
import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultParallel, sideBySide } from "../../src/stitch/side-by-side.js";

// A job that runs until its signal stops it, recording what happened.
function waiting(log: string[], name: string) {
  return (signal: AbortSignal) =>
    new Promise<void>((_, reject) => {
      log.push(`${name} started`);
      signal.addEventListener("abort", () => {
        log.push(`${name} stopped`);
        reject(new Error(`${name} stopped`));
      });
    });
}

test("the first failure stops the running job, skips the queued ones, and is what is thrown", async () => {
  const log: string[] = [];
  const failing = async () => {
    log.push("failing started");
    await new Promise((r) => setTimeout(r, 5));
    throw new Error("piece 1 failed");
  };
  await assert.rejects(sideBySide([waiting(log, "a"), failing, waiting(log, "queued")], 2), /piece 1 failed/);
  assert.deepEqual(log, ["a started", "failing started", "a stopped"]);
});

test("an outer abort stops the running jobs and nothing more starts", async () => {
  const log: string[] = [];
  const outer = new AbortController();
  setTimeout(() => outer.abort(new Error("Ctrl-C")), 5);
  await assert.rejects(sideBySide([waiting(log, "a"), waiting(log, "b")], 1, outer.signal), /a stopped/);
  assert.deepEqual(log, ["a started", "a stopped"]);
});

test("every job runs when none fails, at most `parallel` at once", async () => {
  let running = 0;
  let most = 0;
  let ran = 0;
  const job = async () => {
    ran++;
    most = Math.max(most, ++running);
    await new Promise((r) => setTimeout(r, 2));
    running--;
  };
  await sideBySide(
    Array.from({ length: 7 }, () => job),
    3,
  );
  assert.equal(ran, 7);
  assert.equal(most, 3);
  assert.ok(defaultParallel() >= 1);
});
