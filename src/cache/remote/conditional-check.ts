// Does the server refuse a second conditional create? Some S3-compatible servers ignore If-None-Match, and
// claims on such a server would let two machines pay for one step. Checked once per location, remembered.
import { randomUUID } from "node:crypto";
import path from "node:path";
import { readJson, writeJsonAtomic } from "../atomic.js";
import type { CachePaths } from "../layout.js";
import { retryConflicts } from "./entries.js";
import { type ObjectStore, RemoteError, type WriteCondition } from "./object-store.js";
import { whileTransient } from "./read-retry.js";
import { type Clock, systemClock } from "../../util/clock.js";

export interface ConditionalCheck {
  location: string;
  conditional: boolean;
  why?: string;
  checked_at: string;
}

export async function checkConditionalWrites(
  store: ObjectStore,
  now: number,
  clock: Clock = systemClock,
): Promise<ConditionalCheck> {
  const name = `v1/checks/${randomUUID()}`;
  const result = (conditional: boolean, why?: string): ConditionalCheck => ({
    location: store.location,
    conditional,
    ...(why && { why }),
    checked_at: new Date(now).toISOString(),
  });
  // A 409 (two conditional writes at once) says nothing about the server: try again, and never remember it.
  // Nor does a 503 (SlowDown, an outage's first seconds): the check's own object is tried again, with backoff.
  const put = async (body: string, condition: WriteCondition) => {
    const answer = await retryConflicts(() =>
      whileTransient(() => store.put(name, Buffer.from(body), condition), clock),
    );
    if (!answer.ok && answer.refused === "conflict")
      throw new RemoteError(
        "the server kept answering 409 Conflict while its conditional writes were checked",
      );
    return answer;
  };
  try {
    const first = await put("1", { ifNoneMatch: "*" });
    // Not an answer about conditional writes (a name collision): nothing is remembered.
    if (!first.ok)
      throw new RemoteError(`a conditional create of a new object was refused (${first.refused})`);
    const second = await put("2", { ifNoneMatch: "*" });
    if (second.ok) return result(false, "it accepted a second If-None-Match: * create of the same object");
    const stale = await put("3", { ifMatch: '"0123456789abcdef0123456789abcdef"' });
    if (stale.ok) return result(false, "it accepted an If-Match write with an ETag the object does not have");
    // Claims are kept alive by If-Match writes with the right ETag: those must go through.
    const current = await put("4", { ifMatch: first.etag });
    if (!current.ok)
      return result(false, `it refused an If-Match write with the object's own ETag (${current.refused})`);
    return result(true);
  } finally {
    await store.delete(name).catch(() => undefined);
  }
}

// The remembered answer for this location (`fresh` checks again, as doctor --remote does).
export async function conditionalWrites(
  store: ObjectStore,
  paths: CachePaths,
  id: string,
  now: number,
  fresh = false,
): Promise<ConditionalCheck & { remembered: boolean }> {
  const file = path.join(paths.dir, "remote", "checks.json");
  const known = (await readJson<Record<string, ConditionalCheck>>(file)) ?? {};
  const had = known[id];
  if (had && !fresh) return { ...had, remembered: true };
  const checked = await checkConditionalWrites(store, now);
  await writeJsonAtomic(file, { ...known, [id]: checked });
  return { ...checked, remembered: false };
}
