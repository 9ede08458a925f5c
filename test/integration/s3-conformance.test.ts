// storyreel's S3 adapter and claim protocol against three servers: the fake S3 (always), s3rver from npm
// (an independent implementation; it ignores conditional writes), and a real bucket when STORYREEL_TEST_S3
// names one (s3://BUCKET/PREFIX, with the usual AWS variables); skipped otherwise.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, describe, test } from "node:test";
import { claim, claimBody, HeldClaim, isStale, readClaim, takeOver } from "../../src/cache/remote/claims.js";
import { checkConditionalWrites } from "../../src/cache/remote/conditional-check.js";
import { remoteLocation } from "../../src/cache/remote/location.js";
import type { ObjectStore } from "../../src/cache/remote/object-store.js";
import { s3Store } from "../../src/cache/remote/s3-store.js";
import { systemClock } from "../../src/util/clock.js";
import { runInProcess, tempDir } from "../../testkit/cli.js";
import { startFakeS3 } from "../../testkit/fake-s3.js";
import { startS3rver } from "../../testkit/s3rver.js";

const stops: (() => Promise<unknown>)[] = [];
after(() => Promise.all(stops.map((s) => s())));

// s3rver accepts only its own default key pair.
const testEnv = (url: string) => ({
  AWS_ENDPOINT_URL_S3: url,
  AWS_ACCESS_KEY_ID: "S3RVER",
  AWS_SECRET_ACCESS_KEY: "S3RVER",
  AWS_REGION: "us-east-1",
});

// Each run gets its own prefix, so a real bucket is shared safely.
const open = (url: string, env: NodeJS.ProcessEnv) =>
  s3Store(remoteLocation(`${url.replace(/\/+$/, "")}/conformance-${randomUUID().slice(0, 8)}`, env)!);

interface Server {
  name: string;
  store: () => Promise<ObjectStore>;
  conditional: boolean;
  skip?: string;
  // Moves the server's clock on by `ms` (the fake can; a real server is waited for).
  later: (ms: number) => Promise<void>;
}

const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
let fakeClock: { clockOffsetMs: number } | undefined;

const real = process.env.STORYREEL_TEST_S3;
const servers: Server[] = [
  {
    name: "the fake S3",
    conditional: true,
    later: async (ms) => {
      fakeClock!.clockOffsetMs += ms;
    },
    store: async () => {
      const s3 = await startFakeS3();
      fakeClock = s3;
      stops.push(() => s3.close());
      return open("s3://storyreel", testEnv(s3.url));
    },
  },
  {
    name: "s3rver",
    conditional: false,
    later: wait,
    store: async () => {
      const s3 = await startS3rver();
      stops.push(() => s3.close());
      return open(`s3://${s3.bucket}`, testEnv(s3.url));
    },
  },
  {
    name: "a real bucket (STORYREEL_TEST_S3)",
    conditional: true,
    later: wait,
    store: () => open(real ?? "s3://unset", process.env),
    ...(!real && { skip: "set STORYREEL_TEST_S3=s3://BUCKET/PREFIX (and AWS credentials) to run" }),
  },
];

for (const server of servers)
  describe(`S3 adapter against ${server.name}`, { ...(server.skip && { skip: server.skip }) }, () => {
    test("put, head, get, download, list and delete", async () => {
      const store = await server.store();
      const put = await store.put("v1/a/one.bin", Buffer.from("hello"));
      assert.equal(put.ok, true);
      const head = await store.head("v1/a/one.bin");
      assert.equal(head?.size, 5);
      assert.ok(head!.etag.length > 2 && head!.lastModified > 0 && head!.serverDate > 0);
      assert.equal((await store.getBytes("v1/a/one.bin"))?.bytes.toString(), "hello");
      const dir = await tempDir();
      const file = path.join(dir, "got.bin");
      const got = await store.download("v1/a/one.bin", file);
      assert.equal(got?.size, 5);
      assert.equal(got?.sha256, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
      assert.equal(got?.etag, head!.etag);
      assert.equal(await readFile(file, "utf8"), "hello");
      await writeFile(path.join(dir, "two.bin"), "from a file");
      assert.equal((await store.put("v1/a/two.bin", { file: path.join(dir, "two.bin"), size: 11 })).ok, true);
      assert.deepEqual((await store.list("v1/a/")).sort(), ["v1/a/one.bin", "v1/a/two.bin"]);
      assert.equal(await store.head("v1/a/none"), undefined);
      assert.equal(await store.getBytes("v1/a/none"), undefined);
      assert.deepEqual(await store.delete("v1/a/one.bin"), { ok: true });
      assert.deepEqual(await store.list("v1/a/"), ["v1/a/two.bin"]);
    });

    test(`conditional writes are ${server.conditional ? "honoured" : "NOT honoured, and the check says so"}`, async () => {
      const store = await server.store();
      const check = await checkConditionalWrites(store, Date.now());
      assert.equal(check.conditional, server.conditional, check.why);
      if (!server.conditional) return;
      const first = await store.put("v1/c/x", Buffer.from("1"), { ifNoneMatch: "*" });
      assert.equal(first.ok, true);
      assert.deepEqual(await store.put("v1/c/x", Buffer.from("2"), { ifNoneMatch: "*" }), {
        ok: false,
        refused: "precondition",
      });
      const moved = await store.put("v1/c/x", Buffer.from("3"), { ifMatch: first.ok ? first.etag : "" });
      assert.equal(moved.ok, true);
      const stale = await store.put("v1/c/x", Buffer.from("4"), { ifMatch: first.ok ? first.etag : "" });
      assert.equal(stale.ok, false);
      assert.equal((await store.getBytes("v1/c/x"))?.bytes.toString(), "3");
    });

    test("claims: one holder; refreshes move the ETag; only a stale claim is taken over, by exactly one", async (t) => {
      if (!server.conditional) return t.skip("claims are off on a server without conditional writes");
      const store = await server.store();
      const mine = await claim(store, "v1/claims/k", claimBody("k", "shot one", 0), systemClock);
      assert.ok(mine instanceof HeldClaim);
      const theirs = await claim(store, "v1/claims/k", claimBody("k", "shot one", 0), systemClock);
      assert.ok(!(theirs instanceof HeldClaim), "a second claimant is told whose it is");
      const seen = (await readClaim(store, "v1/claims/k"))!;
      assert.equal(isStale(seen, 60_000), false);
      await mine.update({ state: "submitted", request_id: "req-1" });
      assert.equal(
        await takeOver(store, "v1/claims/k", seen, claimBody("k", "shot one", 0), systemClock),
        undefined,
        "the refresh moved the ETag on",
      );
      // Judged by the server's clock: a lease of 0 s is over once the server's second has turned twice.
      await server.later(2100);
      const old = (await readClaim(store, "v1/claims/k"))!;
      assert.equal(isStale(old, 0), true);
      const takers = await Promise.all(
        [1, 2, 3].map(() => takeOver(store, "v1/claims/k", old, claimBody("k", "shot one", 0), systemClock)),
      );
      const won = takers.filter((x) => x !== undefined);
      assert.equal(won.length, 1, "exactly one machine wins the takeover");
      assert.equal(won[0]!.body.request_id, "req-1", "the recorded request travels with the claim");
      await won[0]!.release();
      assert.equal(await readClaim(store, "v1/claims/k"), undefined);
    });
  });

test("staleness uses the server's clock: a claim is live however far the local clock is off", async () => {
  const s3 = await startFakeS3({ clockOffsetMs: -3_600_000 });
  stops.push(() => s3.close());
  const store = await open("s3://storyreel", testEnv(s3.url));
  const held = await claim(store, "v1/claims/k", claimBody("k", "x", 10_000), systemClock);
  assert.ok(held instanceof HeldClaim);
  const seen = (await readClaim(store, "v1/claims/k"))!;
  assert.ok(Math.abs(seen.object.serverDate - (Date.now() - 3_600_000)) < 5000, "the server's own Date");
  assert.equal(isStale(seen, 10_000), false);
});

test("doctor --remote against s3rver finds no conditional writes and turns claims off", async () => {
  const s3 = await startS3rver();
  stops.push(() => s3.close());
  const dir = await tempDir();
  const env = {
    ...testEnv(s3.url),
    STORYREEL_REMOTE_CACHE: `s3://${s3.bucket}/team`,
    STORYREEL_CACHE_DIR: path.join(dir, "cache"),
  };
  const r = await runInProcess(["doctor", "--remote"], { cwd: dir, env });
  assert.equal(r.exitCode, 1, r.stderr);
  assert.match(r.stdout, /conditional writes: NO \(it accepted a second If-None-Match: \* create/);
  const remembered = JSON.parse(await readFile(path.join(dir, "cache", "remote", "checks.json"), "utf8"));
  assert.equal(Object.values(remembered).length, 1);
  assert.equal((Object.values(remembered)[0] as { conditional: boolean }).conditional, false);
});
