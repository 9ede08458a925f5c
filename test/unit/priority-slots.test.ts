// The slots every fal step shares: by priority, and a freed slot held a moment for a chain's next step.
import assert from "node:assert/strict";
import { test } from "node:test";
import { heirOf, prioritySlots } from "../../src/steps/priority-slots.js";

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

// Lets the promises a grant resolved run, without moving any clock.
const settle = () => new Promise((r) => setImmediate(r));

test("a hold lasts at most its bound, on a fake clock; and ends at once when the step it waits for ends without a slot", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const slots = prioritySlots(1);
  const seated: string[] = [];
  const wait = (name: string) =>
    slots.acquire(1).then((r) => {
      seated.push(name);
      return r;
    });
  // Nobody comes: the slot is free after exactly the bound.
  const first = await slots.acquire(3);
  const independent = wait("independent");
  first({ priority: 2, ms: 1000 });
  t.mock.timers.tick(999);
  await settle();
  assert.deepEqual(seated, [], "held for 999 ms");
  t.mock.timers.tick(1);
  await settle();
  assert.deepEqual(seated, ["independent"], "free at 1000 ms");
  // The next step fails before it asks (its frame could not be taken): the hold ends with it.
  let heirEnded!: () => void;
  const heir = new Promise<void>((resolve) => (heirEnded = resolve));
  const other = wait("other");
  (await independent)({ priority: 2, ms: 1000, until: heir });
  await settle();
  assert.deepEqual(seated, ["independent"], "held");
  heirEnded();
  await settle();
  assert.deepEqual(seated, ["independent", "other"], "free as soon as the heir ended, no time passed");
  (await other)();
});

// a → frame:a → b → frame:b → c (a chain), s1, s2 independent; x needs a's frame and y, still at fal.
function chainGraph(made: string[] = []) {
  const edges = [
    ["a", "frame:a"],
    ["frame:a", "b"],
    ["b", "frame:b"],
    ["frame:b", "c"],
    ["frame:a", "x"],
    ["y", "x"],
    ["still", "d"],
  ];
  const rank: Record<string, number> = { a: 3, b: 2, c: 1, x: 1, y: 2, still: 2, d: 1, s1: 1 };
  return {
    inputsOf: (id: string) => edges.filter(([, to]) => to === id).map(([from]) => from!),
    dependantsOf: (id: string) => edges.filter(([from]) => from === id).map(([, to]) => to!),
    paid: (id: string) => !id.startsWith("frame:"),
    toMake: (id: string) => !made.includes(id),
    made: (id: string) => made.includes(id),
    rank: (id: string) => rank[id] ?? 0,
  };
}

test("a freed slot is held for the chain's next step when only local work stands before it, and never for a step ranked with the independent shots", () => {
  assert.equal(heirOf("a", chainGraph()), "b", "a's frame, then b");
  assert.equal(heirOf("b", chainGraph(["a", "frame:a"])), undefined, "c ranks with the independent shots");
  assert.equal(heirOf("still", chainGraph()), undefined, "d ranks 1");
  assert.equal(heirOf("s1", chainGraph()), undefined, "nothing takes s1");
  // x (raised to rank 3 here, above b) also needs y: the slot is held for b until y is made, then for x.
  const g = (made: string[]) => ({
    ...chainGraph(made),
    rank: (id: string) => (id === "x" ? 3 : chainGraph().rank(id)),
  });
  assert.equal(heirOf("a", g([])), "b", "y is still at fal: x is not about to be ready");
  assert.equal(heirOf("a", g(["y"])), "x", "both about to be ready: the higher rank");
  assert.equal(heirOf("a", g(["y", "x"])), "b", "x made already");
});
