// `cache push` and `cache pull`: the local cache's paid outputs up to the bucket, and a lock's outputs down.
import pLimit from "p-limit";
import type { CachePaths } from "../cache/layout.js";
import type { Lockfile } from "../cache/lockfile.js";
import type { EntryRef } from "../cache/remote/entries.js";
import type { RemoteCache } from "../cache/remote/remote-cache.js";
import { cachedStill } from "../cache/stills.js";
import { verifyClip } from "../cache/store.js";
import { cacheEntries } from "./cache-admin.js";

export interface PushResult {
  pushed: string[];
  already: number;
  failed: { step: string; why: string }[];
}

// Every clip and still the local cache holds intact and the bucket lacks (frames are taken again for free).
export async function pushAll(paths: CachePaths, remote: RemoteCache): Promise<PushResult> {
  const there = new Set(
    (await Promise.all(["v1/clips/", "v1/stills/"].map((p) => remote.settings.store.list(p))))
      .flat()
      .filter((k) => k.endsWith(".json"))
      .map((k) => k.slice(k.lastIndexOf("/") + 1, -5)),
  );
  const entries = (await cacheEntries(paths)).filter((e) => e.kind !== "frame");
  const todo: EntryRef[] = [];
  for (const e of entries) {
    if (there.has(e.key)) continue;
    // A damaged entry is never shared.
    const intact =
      e.kind === "clip" ? (await verifyClip(paths, e.key)).ok : !!(await cachedStill(paths, e.key));
    if (intact) todo.push({ key: e.key, kind: e.kind as EntryRef["kind"] });
  }
  const before = remote.failedUploads.length;
  const limit = pLimit(4);
  await Promise.all(todo.map((e) => limit(() => remote.publish(e, `${e.kind} ${e.key.slice(0, 16)}`))));
  const failed = remote.failedUploads.slice(before);
  const failedSteps = new Set(failed.map((f) => f.step));
  return {
    pushed: todo.map((e) => `${e.kind} ${e.key.slice(0, 16)}`).filter((s) => !failedSteps.has(s)),
    already: entries.length - todo.length,
    failed,
  };
}

export interface PullResult {
  fetched: { step: string; bytes: number }[];
  present: number;
  absent: string[];
  failed: { step: string; why: string }[];
}

// Everything the locks name (the takes their films use), into the local cache.
export async function pullLocked(
  locks: Lockfile[],
  paths: CachePaths,
  remote: RemoteCache,
): Promise<PullResult> {
  const wanted = new Map<string, EntryRef & { step: string }>();
  for (const lock of locks)
    for (const s of lock.steps) {
      const kind = s.id.startsWith("shot:") ? "clip" : s.id.startsWith("still:") ? "still" : undefined;
      if (kind && s.sha256) wanted.set(s.key, { key: s.key, kind, step: `${lock.storyboard} ${s.id}` });
    }
  const result: PullResult = { fetched: [], present: 0, absent: [], failed: [] };
  const limit = pLimit(8);
  await Promise.all(
    [...wanted.values()].map((e) =>
      limit(async () => {
        const here =
          e.kind === "clip" ? (await verifyClip(paths, e.key)).ok : !!(await cachedStill(paths, e.key));
        if (here) {
          result.present += 1;
          return;
        }
        try {
          const got = await remote.fetch(e, e.step);
          if (got.status === "fetched") result.fetched.push({ step: e.step, bytes: got.bytes });
          else if (got.status === "absent") result.absent.push(e.step);
          else result.failed.push({ step: e.step, why: got.why });
        } catch (err) {
          result.failed.push({ step: e.step, why: (err as Error).message });
        }
      }),
    ),
  );
  return result;
}
