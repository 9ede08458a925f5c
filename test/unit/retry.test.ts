// withRetries with a fake clock: which errors are retried, how long it waits, and when it gives up.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ProviderError } from "../../src/errors.js";
import { DEFAULT_RETRY, withRetries } from "../../src/steps/retry.js";
import type { Clock } from "../../src/util/clock.js";

// The one place these tests build a ProviderError.
const failure = (transient: boolean, message = transient ? "reset" : "rejected") =>
  new ProviderError(message, { transient });

function fakeClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => 0, sleep: async (ms) => void sleeps.push(ms) };
}

// Fails with each error in turn, then succeeds (or keeps failing with the last one).
function attempts(errors: unknown[], succeedAfter = errors.length) {
  const seen: number[] = [];
  const run = async (attempt: number) => {
    seen.push(attempt);
    if (attempt > succeedAfter) return `done on ${attempt}`;
    throw errors[Math.min(attempt, errors.length) - 1];
  };
  return { run, seen };
}

const policy = { attempts: 5, baseMs: 100, maxMs: 500 };

test("transient errors are retried with exponential backoff, capped, then it succeeds", async () => {
  const clock = fakeClock();
  const retries: Array<[string, number, number]> = [];
  const { run, seen } = attempts([failure(true), failure(true), failure(true), failure(true)]);
  const result = await withRetries(run, {
    policy,
    clock,
    random: () => 1,
    onRetry: (err, wait, attempt) => retries.push([err.message, wait, attempt]),
  });
  assert.equal(result, "done on 5");
  assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  assert.deepEqual(clock.sleeps, [100, 200, 400, 500], "ceilings: base × 2^(n-1), at most maxMs");
  assert.deepEqual(
    retries.map(([, wait, attempt]) => [wait, attempt]),
    [
      [100, 1],
      [200, 2],
      [400, 3],
      [500, 4],
    ],
  );
  assert.ok(retries.every(([message]) => message === "reset"));
});

test("jitter keeps each wait between half the ceiling and the ceiling", async () => {
  for (const r of [0, 0.25, 0.5, 0.999]) {
    const clock = fakeClock();
    const { run } = attempts([failure(true)], 4);
    await withRetries(run, { policy, clock, random: () => r, onRetry: () => {} });
    const ceilings = [100, 200, 400, 500];
    assert.equal(clock.sleeps.length, 4);
    clock.sleeps.forEach((wait, i) => {
      assert.ok(
        wait >= ceilings[i]! / 2 && wait <= ceilings[i]!,
        `random ${r}: wait ${wait}, ceiling ${ceilings[i]}`,
      );
    });
  }
  const lowest = fakeClock();
  await withRetries(attempts([failure(true)], 2).run, {
    policy,
    clock: lowest,
    random: () => 0,
    onRetry: () => {},
  });
  assert.deepEqual(lowest.sleeps, [50, 100]);
});

test("a permanent ProviderError fails at once, with no wait and no retry", async () => {
  const clock = fakeClock();
  const permanent = failure(false);
  const { run, seen } = attempts([permanent]);
  let retried = 0;
  await assert.rejects(
    withRetries(run, { policy, clock, onRetry: () => retried++ }),
    (err) => err === permanent,
  );
  assert.deepEqual(seen, [1]);
  assert.deepEqual(clock.sleeps, []);
  assert.equal(retried, 0);
});

test("an error that is not a ProviderError (a bug) is never retried", async () => {
  const clock = fakeClock();
  const bug = new TypeError("undefined is not a function");
  const { run, seen } = attempts([bug]);
  await assert.rejects(withRetries(run, { policy, clock, onRetry: () => {} }), (err) => err === bug);
  assert.deepEqual(seen, [1]);
  assert.deepEqual(clock.sleeps, []);
});

test("gives up after the policy's attempts and throws the last error", async () => {
  const clock = fakeClock();
  const errors = [failure(true, "first"), failure(true, "second"), failure(true, "third")];
  const { run, seen } = attempts(errors, Number.POSITIVE_INFINITY);
  await assert.rejects(
    withRetries(run, {
      policy: { attempts: 3, baseMs: 10, maxMs: 1000 },
      clock,
      random: () => 1,
      onRetry: () => {},
    }),
    (err) => err === errors[2] && (err as ProviderError).transient === true,
  );
  assert.deepEqual(seen, [1, 2, 3]);
  assert.deepEqual(clock.sleeps, [10, 20]);
});

test("a transient error followed by a permanent one stops at the permanent one", async () => {
  const clock = fakeClock();
  const errors = [failure(true), failure(false)];
  const { run, seen } = attempts(errors, Number.POSITIVE_INFINITY);
  await assert.rejects(withRetries(run, { policy, clock, onRetry: () => {} }), (err) => err === errors[1]);
  assert.deepEqual(seen, [1, 2]);
  assert.equal(clock.sleeps.length, 1);
});

test("the default policy: 4 attempts, 2 s base, 30 s cap", async () => {
  assert.deepEqual(DEFAULT_RETRY, { attempts: 4, baseMs: 2000, maxMs: 30000 });
  const clock = fakeClock();
  const { run } = attempts([failure(true)], Number.POSITIVE_INFINITY);
  await assert.rejects(
    withRetries(run, { policy: DEFAULT_RETRY, clock, random: () => 1, onRetry: () => {} }),
  );
  assert.deepEqual(clock.sleeps, [2000, 4000, 8000]);
});
