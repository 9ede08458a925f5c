// A finished request's collect waits while another step's submit is being made, and no longer than that (or a
// short bound): at a wave's end the submits go out before the downloads take the thread.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SubmitsFirst } from "../../src/providers/fal/submits-first.js";
import { systemClock } from "../../src/util/clock.js";

test("with no submit being made, a collect goes on after one turn", async () => {
  const first = new SubmitsFirst();
  const t0 = Date.now();
  await first.settled(systemClock);
  assert.ok(Date.now() - t0 < 20);
});

test("a collect waits for the submit being made, and goes on when it is sent", async () => {
  const first = new SubmitsFirst();
  const sent = first.begin();
  const order: string[] = [];
  const collect = first.settled(systemClock).then(() => order.push("collect"));
  await new Promise((r) => setTimeout(r, 5));
  order.push("submit sent");
  sent();
  sent(); // said twice (answered, then the finally): counted once
  await collect;
  assert.deepEqual(order, ["submit sent", "collect"]);
  // The count is back at zero: the next collect does not wait.
  const t0 = Date.now();
  await first.settled(systemClock);
  assert.ok(Date.now() - t0 < 20);
});

test("a submit that is never answered holds a collect back 50 ms at most", async () => {
  const first = new SubmitsFirst();
  first.begin();
  const t0 = Date.now();
  await first.settled(systemClock);
  const waited = Date.now() - t0;
  assert.ok(waited >= 45 && waited < 500, `waited ${waited} ms`);
});
