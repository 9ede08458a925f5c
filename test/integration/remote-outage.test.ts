// The remote cache when the bucket has a bad few seconds, and when the local copy of a shared output is damaged.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, describe, test } from "node:test";
import { parse } from "yaml";
import { team as makeTeam } from "../helpers/remote-team.js";
import { flipByte } from "../../testkit/cache-files.js";

const stops: (() => Promise<unknown>)[] = [];
after(() => Promise.all(stops.map((s) => s())));

describe("remote cache outages and damaged outputs", { concurrency: 4 }, () => {
  // With claims, a step the bucket could not be asked about is made under its claim (which looks again before the
  // submit); read-only, there are no claims, so only the retries carry it through.
  for (const mode of ["with claims", "read-only"] as const)
    test(`a 5 s outage as the steps start (${mode}): reads are tried again with backoff, every step made once`, async () => {
      const t = await makeTeam(stops, 2, 100);
      const a = await t.clone();
      // The render's first look at each step's record answers; then every read fails for 5 s.
      let looked = 0;
      let outage = 0;
      t.s3.faults.push({
        op: "any",
        times: 1_000_000,
        when: (r) => {
          if (r.method !== "GET" && r.method !== "HEAD") return false;
          if (!outage && /\/v1\/clips\/[0-9a-f]{64}\.json$/.test(r.key) && ++looked > 2) outage = Date.now();
          return outage > 0 && Date.now() - outage < 5000;
        },
        action: { status: 503 },
      });
      const r = await a.render(mode === "read-only" ? ["--remote-cache-readonly"] : []);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.ok(outage > 0, "the outage happened");
      assert.ok(t.s3.requests.filter((q) => q.status === 503).length > 4);
      assert.doesNotMatch(r.stderr, /has this step, but fetching it failed/);
      assert.equal(t.fal.count("submit"), 2, "each step made once");
    });

  test("a bucket that stays down while a step starts, without claims: the step fails saying so, nothing paid", async () => {
    const t = await makeTeam(stops, 1, 100);
    const a = await t.clone();
    let looked = 0;
    t.s3.faults.push({
      op: "get",
      times: 1_000_000,
      when: (r) => /\/v1\/clips\/[0-9a-f]{64}\.json$/.test(r.key) && ++looked > 1,
      // A bucket that is down (not one that asks us to slow down: the SDK waits out SlowDown for ~20 s more).
      action: { status: 503, code: "ServiceUnavailable" },
    });
    const r = await a.render(["--remote-cache-readonly"]);
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(
      r.stderr,
      /could not look this step up in the remote cache: s3:\/\/storyreel\/team\/ did not answer whether it has it/,
    );
    assert.doesNotMatch(r.stderr, /has this step, but fetching it failed/);
    assert.equal(t.fal.count("submit"), 0);
  });

  test("cache verify --repair fetches a damaged clip from the bucket; cache push never uploads damaged bytes", async () => {
    const t = await makeTeam(stops, 2, 100);
    const a = await t.clone();
    assert.equal((await a.render()).exitCode, 0);
    const lock = parse(await readFile(path.join(a.dir, "storyboard.lock.yaml"), "utf8"));
    const key = lock.steps[0].key as string;
    const clip = path.join(a.cache, "clips", `${key}.mp4`);
    const sidecar = path.join(a.cache, "clips", `${key}.json`);
    const original = await readFile(clip);
    // fal no longer serves it: only the bucket can give it back.
    const side = JSON.parse(await readFile(sidecar, "utf8"));
    await writeFile(sidecar, JSON.stringify({ ...side, video_url: `${t.fal.url}/files/gone/x.mp4` }));
    await flipByte(clip);
    const repair = await a.run(["cache", "verify", "--repair"]);
    assert.equal(repair.exitCode, 0, repair.stderr);
    assert.match(repair.stdout, /repaired clip [0-9a-f]{16}: fetched again from s3:\/\/storyreel\/team\//);
    assert.deepEqual(await readFile(clip), original);
    // The bucket lost it, and the local copy is damaged: push says so and uploads nothing of it.
    for (const name of [...t.s3.objects.keys()].filter((k) => k.includes(key)))
      t.s3.delete(name.slice("storyreel/".length));
    await flipByte(clip);
    const push = await a.run(["cache", "push"]);
    assert.equal(push.exitCode, 1, push.stdout);
    assert.match(push.stdout, new RegExp(`skipped clip ${key.slice(0, 16)}: damaged`));
    assert.match(push.stderr, /did not push 1 damaged output .*cache verify --repair/);
    assert.equal([...t.s3.objects.keys()].filter((k) => k.includes(key)).length, 0);
  });
});
