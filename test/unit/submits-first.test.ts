// A finished request's collect waits while another step's submit is being made, and no longer than that (or a
// short bound): at a wave's end the submits go out before the downloads take the thread.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SubmitsFirst } from "../../src/providers/fal/submits-first.js";
import type { Clock } from "../../src/util/clock.js";

// A clock whose sleeps are recorded and end only when the test says so: nothing here depends on timing.
function heldClock() {
  const sleeps: Array<{ ms: number; end: () => void }> = [];
  const clock: Clock = {
    now: () => 0,
    sleep: (ms) => new Promise<void>((end) => sleeps.push({ ms, end })),
  };
  return { clock, sleeps };
}

test("with no submit being made, a collect goes on after one turn, with no wait", async () => {
  const { clock, sleeps } = heldClock();
  await new SubmitsFirst().settled(clock);
  assert.equal(sleeps.length, 0);
});

test("a collect waits for the submit being made, and goes on when it is sent", async () => {
  const first = new SubmitsFirst();
  const { clock, sleeps } = heldClock();
  const sent = first.begin();
  const order: string[] = [];
  const collect = first.settled(clock).then(() => order.push("collect"));
  await new Promise((r) => setImmediate(r));
  order.push("submit sent");
  sent();
  sent(); // said twice (answered, then the finally): counted once
  await collect;
  assert.deepEqual(order, ["submit sent", "collect"]);
  // The count is back at zero: the next collect does not wait.
  await first.settled(clock);
  assert.equal(sleeps.length, 1, "only the first collect asked to wait");
});

test("a submit that is never answered holds a collect back 50 ms at most", async () => {
  const first = new SubmitsFirst();
  const { clock, sleeps } = heldClock();
  first.begin();
  let done = false;
  const collect = first.settled(clock).then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(
    sleeps.map((s) => s.ms),
    [50],
  );
  assert.equal(done, false);
  sleeps[0]!.end();
  await collect;
  assert.equal(done, true);
});
