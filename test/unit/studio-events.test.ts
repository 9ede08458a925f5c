// The studio's event stream: a page that connects gets the view first, and, once a render has ended, that end
// again (marked replayed) before it, so a page whose stream dropped while the render ended learns of it.
import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { test } from "node:test";
import { EventHub } from "../../src/studio/sse.js";

// A response that keeps what is written to it, as events.
function page() {
  let text = "";
  const res = {
    writeHead: () => res,
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
    on: () => res,
    end: () => undefined,
  };
  const events = () =>
    text
      .split("\n\n")
      .filter((e) => e.startsWith("event:"))
      .map((e) => ({ event: e.split("\n")[0]!.slice(7), data: JSON.parse(e.split("\n")[1]!.slice(6)) }));
  return { res: res as unknown as ServerResponse, events };
}

const view = { event: "view", data: JSON.stringify({ rendering: false }) };

test("a page that connects before any render gets the view alone", () => {
  const hub = new EventHub();
  const p = page();
  hub.add(p.res, view);
  assert.deepEqual(p.events(), [{ event: "view", data: { rendering: false } }]);
  hub.close();
});

test("after a render ends, a page that connects gets that end, replayed, before the view", () => {
  const hub = new EventHub();
  hub.publish("render", JSON.stringify({ state: "started" }));
  hub.publish("render", JSON.stringify({ state: "ended", ok: true, cost: 0.7 }));
  const p = page();
  hub.add(p.res, view);
  assert.deepEqual(p.events(), [
    { event: "render", data: { state: "ended", ok: true, cost: 0.7, replayed: true } },
    { event: "view", data: { rendering: false } },
  ]);
  hub.close();
});

test("while a render runs, a page that connects gets no earlier render's end", () => {
  const hub = new EventHub();
  hub.publish("render", JSON.stringify({ state: "ended", ok: true }));
  hub.publish("render", JSON.stringify({ state: "started" }));
  const p = page();
  hub.add(p.res, view);
  assert.deepEqual(
    p.events().map((e) => e.event),
    ["view"],
  );
  hub.close();
});
