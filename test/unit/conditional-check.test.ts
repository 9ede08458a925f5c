// The conditional-write check rides out a server that says "slow down": its own object is written again.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkConditionalWrites } from "../../src/cache/remote/conditional-check.js";
import { type ObjectStore, RemoteError } from "../../src/cache/remote/object-store.js";

// An in-memory bucket with conditional writes, whose first `slowDowns` writes answer 503 SlowDown.
function bucket(slowDowns: number, code = "SlowDown") {
  const objects = new Map<string, { etag: string; body: Buffer }>();
  let n = 0;
  let puts = 0;
  const store: ObjectStore = {
    location: "s3://test/",
    head: async () => undefined,
    getBytes: async () => undefined,
    download: async () => undefined,
    list: async () => [],
    async put(key, body, condition) {
      puts += 1;
      if (puts <= slowDowns) throw new RemoteError("Please reduce your request rate.", code);
      const had = objects.get(key);
      if (condition && "ifNoneMatch" in condition && had) return { ok: false, refused: "precondition" };
      if (condition && "ifMatch" in condition && had?.etag !== condition.ifMatch)
        return { ok: false, refused: had ? "precondition" : "missing" };
      const etag = `"${++n}"`;
      objects.set(key, { etag, body: body as Buffer });
      return { ok: true, etag, serverDate: Date.now() };
    },
    async delete(key) {
      objects.delete(key);
      return { ok: true };
    },
  };
  return { store, puts: () => puts };
}

test("two 503 SlowDown answers to the check's writes are tried again, and the server is found conditional", async () => {
  const b = bucket(2);
  const check = await checkConditionalWrites(b.store, Date.now());
  assert.equal(check.conditional, true, check.why);
  assert.equal(b.puts(), 6, "4 writes, 2 of them twice");
});

test("wrong settings are not tried again", async () => {
  const b = bucket(1, "AccessDenied");
  await assert.rejects(checkConditionalWrites(b.store, Date.now()), /reduce your request rate/);
  assert.equal(b.puts(), 1);
});
