// The look-up of an unanswered submit, in memory: fal's listing as a function, time as a fake clock.
import assert from "node:assert/strict";
import { test } from "node:test";
import { findUnanswered } from "../../src/providers/fal/find-submit.js";
import {
  falRequestListing,
  type ListedRequest,
  ListingError,
  type ListingQuery,
} from "../../src/providers/fal/request-listing.js";

const INPUT = { prompt: "a lighthouse at dusk", duration: "5", image_url: "https://x/a.png" };
const SENT = Date.parse("2026-12-06T10:00:00Z");
const entry = { endpoint: "fal-ai/kling", input: INPUT, submitted_at: new Date(SENT).toISOString() };

function clock(start = SENT + 1000) {
  const c = {
    t: start,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += ms;
    },
  };
  return c;
}

const item = (id: string, sentAt: number, input: unknown = { ...INPUT }): ListedRequest => ({
  request_id: id,
  endpoint_id: "fal-ai/kling",
  sent_at: new Date(sentAt).toISOString(),
  json_input: input,
});

test("a request shows after a lag: it is found, looking again with doubling waits", async () => {
  const c = clock();
  const waits: number[] = [];
  const listing = { list: async () => (c.t >= SENT + 5000 ? [item("req-a", SENT + 10)] : []) };
  const r = await findUnanswered(entry, {
    listing,
    clock: c,
    deadline: SENT + 60_000,
    firstWaitMs: 500,
    known: () => false,
    onLook: (_, wait) => waits.push(wait),
  });
  assert.ok("found" in r && r.found.request_id === "req-a");
  assert.deepEqual(waits, [500, 1000, 2000, 4000]);
});

test("only a listing that answered every look until the deadline proves fal never had it", async () => {
  const c = clock();
  const absent = await findUnanswered(entry, {
    listing: { list: async () => [item("other", SENT, { ...INPUT, prompt: "another shot" })] },
    clock: c,
    deadline: SENT + 10_000,
    firstWaitMs: 1000,
    known: () => false,
  });
  assert.ok("absent" in absent, JSON.stringify(absent));
  assert.ok(c.t <= SENT + 10_000 && c.t >= SENT + 7000, `looked until the deadline (${c.t - SENT} ms)`);
  let calls = 0;
  const flaky = await findUnanswered(entry, {
    listing: {
      list: async () => {
        calls += 1;
        if (calls === 2) throw new ListingError("HTTP 503", false);
        return [];
      },
    },
    clock: clock(),
    deadline: SENT + 10_000,
    firstWaitMs: 1000,
    known: () => false,
  });
  assert.ok("unreadable" in flaky && /absence proves nothing/.test(flaky.unreadable));
  const refused = await findUnanswered(entry, {
    listing: {
      list: async () => {
        throw new ListingError("HTTP 403", true);
      },
    },
    clock: clock(),
    deadline: SENT + 10_000,
    firstWaitMs: 1000,
    known: () => false,
  });
  assert.deepEqual(refused, { unreadable: "HTTP 403", looks: 1 });
});

test("requests already accounted for are never taken; of the rest, the one sent closest to the intent", async () => {
  const items = [item("early", SENT - 50 * 60_000), item("ledger", SENT + 5), item("mine", SENT + 40)];
  const r = await findUnanswered(entry, {
    listing: { list: async () => items },
    clock: clock(),
    deadline: SENT,
    firstWaitMs: 1000,
    known: (id) => id === "ledger",
  });
  assert.ok("found" in r && r.found.request_id === "mine");
  const damaged = await findUnanswered(
    { ...entry, input: {} },
    {
      listing: { list: async () => items },
      clock: clock(),
      deadline: SENT,
      firstWaitMs: 1,
      known: () => false,
    },
  );
  assert.ok("unreadable" in damaged);
});

test("the listing client: its query, its key, pages by cursor, and which refusals last", async () => {
  const asked: Array<{ url: URL; headers: Headers }> = [];
  const pages = [
    { items: [item("a", SENT)], next_cursor: "c2" },
    { items: [item("b", SENT)], has_more: false, next_cursor: "c3" },
  ];
  const fetchImpl = (async (target: string, init: RequestInit) => {
    const headers = new Headers(init.headers);
    asked.push({ url: new URL(headers.get("x-fal-target-url") ?? target), headers });
    return Response.json(pages[asked.length - 1]);
  }) as typeof fetch;
  const settings = { credentials: "k-1", proxyUrl: "http://127.0.0.1:9/api/fal/proxy" };
  const query: ListingQuery = { endpoint: "fal-ai/kling", start: entry.submitted_at, payloads: true };
  const items = await falRequestListing(settings, fetchImpl).list(query);
  assert.deepEqual(
    items.map((i) => i.request_id),
    ["a", "b"],
  );
  const first = asked[0]!.url;
  assert.equal(`${first.origin}${first.pathname}`, "https://api.fal.ai/v1/models/requests/by-endpoint");
  assert.equal(first.searchParams.get("endpoint_id"), "fal-ai/kling");
  assert.equal(first.searchParams.get("expand"), "payloads");
  assert.equal(first.searchParams.get("limit"), "100");
  assert.equal(first.searchParams.get("start"), entry.submitted_at);
  assert.equal(asked[1]!.url.searchParams.get("cursor"), "c2");
  assert.equal(asked[0]!.headers.get("authorization"), "Key k-1");
  const answer = (status: number) =>
    falRequestListing(settings, (async () => new Response("{}", { status })) as typeof fetch);
  for (const [status, lasting] of [
    [400, true],
    [403, true],
    [404, true],
    [429, false],
    [503, false],
  ] as const) {
    const err = await answer(status)
      .list(query)
      .catch((e: unknown) => e);
    assert.ok(err instanceof ListingError && err.lasting === lasting, `HTTP ${status}`);
  }
});
