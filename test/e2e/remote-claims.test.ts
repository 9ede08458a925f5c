// Claims across machines: real storyreel processes (the process is what is tested: two at once, kill -9),
// each with its own working copy and local cache, sharing one fake bucket and one fake fal.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { until } from "../../testkit/cli.js";
import { claimsIn, team as makeTeam } from "../helpers/remote-team.js";

const stops: (() => Promise<unknown>)[] = [];
after(() => Promise.all(stops.map((s) => s())));

const team = (n: number, latencyMs: number, s3Options: Parameters<typeof makeTeam>[3] = {}) =>
  makeTeam(stops, n, latencyMs, s3Options);
const claims = claimsIn;

test("two machines render the same new shots at once: each is submitted exactly once", async () => {
  const t = await team(4, 1200);
  const [a, b] = [await t.clone(), await t.clone()];
  const [ra, rb] = await Promise.all([a.spawn(["--claim-lease", "3"]), b.spawn(["--claim-lease", "3"])]);
  assert.equal(ra.exitCode, 0, String(ra.stderr));
  assert.equal(rb.exitCode, 0, String(rb.stderr));
  assert.equal(t.fal.count("submit"), 4, "four shots, four submits across both machines");
  assert.deepEqual(await a.film(), await b.film(), "both films are made of the same clips");
  assert.match(`${ra.stderr}${rb.stderr}`, /another machine is making this/);
  assert.equal(claims(t.s3).length, 0, "every claim is released");
  for (const r of [ra, rb]) assert.ok(!`${r.stdout}${r.stderr}`.includes("s3cr3t-DO-NOT-LEAK"));
});

test("kill -9 the claimant mid-step: the other machine takes over and reattaches, with 0 extra submits", async () => {
  const t = await team(2, 3000);
  const [a, b] = [await t.clone(), await t.clone()];
  const killed = a.spawn(["--claim-lease", "1"]);
  await until(() => claims(t.s3).filter((c) => c.state === "submitted" && c.request_id).length === 2);
  killed.kill("SIGKILL");
  assert.equal((await killed).signal, "SIGKILL");
  const started = Date.now();
  // The default 60 s lease: a claim whose holder died on this very machine is taken over at once.
  const rb = await b.spawn();
  assert.equal(rb.exitCode, 0, String(rb.stderr));
  assert.equal(t.fal.count("submit"), 2, "the taker collected the recorded requests instead of paying again");
  assert.ok(Date.now() - started < 20_000, "taken over without waiting out the lease");
  assert.equal(claims(t.s3).length, 0);
});

test("two processes under the fault mix (503s, 409s, slow and truncated transfers) lose nothing and pay nothing twice", async () => {
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const t = await team(4, 600, {
    random,
    faults: [
      // At least one of each for certain, then a random mix.
      { op: "put", times: 1, when: (r) => r.key.includes("/claims/"), action: { status: 409 } },
      { op: "get", times: 2, action: { status: 503, code: "SlowDown" } },
      { op: "any", times: 1000, chance: 0.12, action: { status: 503, code: "SlowDown" } },
      { op: "put", times: 1000, chance: 0.1, action: { status: 409 } },
      {
        op: "put",
        times: 1000,
        chance: 0.3,
        when: (r) => r.key.includes("/claims/"),
        action: { status: 409 },
      },
      { op: "any", times: 1000, chance: 0.1, action: { delayMs: 150 } },
      // A clip's GET fails about a third of the time in all (503s and both truncations); five failures in a row
      // (a fetch that gives up) must stay rare enough not to flake: about 0.6 % per clip fetched.
      { op: "get", times: 1000, chance: 0.15, when: (r) => r.key.endsWith(".mp4"), action: "truncate" },
      { op: "get", times: 1000, chance: 0.15, action: "truncate" },
    ],
  });
  const [a, b] = [await t.clone(), await t.clone()];
  const [ra, rb] = await Promise.all([a.spawn(["--claim-lease", "3"]), b.spawn(["--claim-lease", "3"])]);
  assert.equal(ra.exitCode, 0, String(ra.stderr));
  assert.equal(rb.exitCode, 0, String(rb.stderr));
  if (t.fal.count("submit") !== 4)
    console.log(
      "A>>",
      String(ra.stderr),
      "B>>",
      String(rb.stderr),
      JSON.stringify(t.fal.requests.filter((q) => q.route === "submit").map((q) => q.body)),
    );
  assert.equal(t.fal.count("submit"), 4, "each shot paid for once");
  const c = await t.clone();
  const rc = await c.spawn();
  assert.equal(rc.exitCode, 0, String(rc.stderr));
  assert.equal(t.fal.count("submit"), 4, "a third clone pays for nothing");
  assert.ok(t.s3.requests.some((r) => r.status === 503) && t.s3.requests.some((r) => r.status === 409));
  assert.deepEqual(await c.film(), await a.film());
});
