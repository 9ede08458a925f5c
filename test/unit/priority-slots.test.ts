// The slots every fal step shares: by priority, and a freed slot held a moment for a chain's next step.
import assert from "node:assert/strict";
import { test } from "node:test";
import { prioritySlots } from "../../src/steps/priority-slots.js";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("the higher priority is seated first; equal priorities first come, first served", async () => {
  const slots = prioritySlots(1);
  const release = await slots.acquire(0);
  const order: string[] = [];
  const wait = (name: string, priority: number) =>
    slots.acquire(priority).then((r) => {
      order.push(name);
      r();
    });
  const all = [wait("low", 0), wait("high", 3), wait("low2", 0), wait("mid", 2)];
  release();
  await Promise.all(all);
  assert.deepEqual(order, ["high", "mid", "low", "low2"]);
});

test("a held slot goes to the chain's next step when it comes within the hold, not to an independent shot", async () => {
  const slots = prioritySlots(1);
  const release = await slots.acquire(3);
  const order: string[] = [];
  const independent = slots.acquire(0).then((r) => {
    order.push("independent");
    r();
  });
  release({ priority: 2, ms: 500 });
  await tick(30);
  assert.equal(order.length, 0, "the independent shot waits while the slot is held");
  const next = await slots.acquire(2);
  order.push("next in chain");
  next();
  await independent;
  assert.deepEqual(order, ["next in chain", "independent"]);
});

test("a hold nobody claims lapses, and the slot goes to whoever waits", async () => {
  const slots = prioritySlots(1);
  const release = await slots.acquire(3);
  const t0 = Date.now();
  const independent = slots.acquire(0);
  release({ priority: 2, ms: 60 });
  (await independent)();
  assert.ok(Date.now() - t0 >= 55, "after the hold");
  // Without a hold the slot is free at once.
  const again = await slots.acquire(0);
  const waiting = slots.acquire(0);
  again();
  (await waiting)();
});
