// `cache push` and `cache pull`: the local cache's paid outputs up to the bucket, and a lock's outputs down.
import pLimit from "p-limit";
import type { CachePaths } from "../cache/layout.js";
import type { Lockfile } from "../project/lockfile.js";
import { type EntryRef, outputName, recordName, restoreOutput } from "../cache/remote/entries.js";
import type { RemoteCache } from "../cache/remote/remote-cache.js";
import { hasSidecar, verified } from "../cache/artifacts/index.js";
import { cacheEntries } from "./cache-admin.js";
import { kindOfId } from "../steps/registry.js";

export interface PushResult {
  pushed: string[];
  // Outputs the bucket had a record of but had lost, uploaded again.
  restored: number;
  already: number;
  failed: { step: string; why: string }[];
  // Outputs whose bytes no longer match their sidecar: never shared (`cache verify --repair` first).
  damaged: string[];
}

// Every clip and still the local cache holds intact and the bucket lacks (frames are taken again for free).
export async function pushAll(paths: CachePaths, remote: RemoteCache): Promise<PushResult> {
  const names = new Set(
    (
      await Promise.all(["v1/clips/", "v1/stills/", "v1/sounds/"].map((p) => remote.settings.store.list(p)))
    ).flat(),
  );
  const entries = (await cacheEntries(paths)).filter((e) => hasSidecar(e.kind));
  const todo: EntryRef[] = [];
  const check: EntryRef[] = [];
  const damaged: string[] = [];
  let already = 0;
  for (const e of entries) {
    const ref = { key: e.key, kind: e.kind as EntryRef["kind"] };
    const local = await intactLocal(paths, ref);
    // With a sidecar but not these bytes (or not this key's): damaged. Without one: not finished, not shared.
    if (!local) {
      if (e.files.some((f) => f.endsWith(".json"))) damaged.push(`${e.kind} ${e.key.slice(0, 16)}`);
      continue;
    }
    if (!names.has(recordName(ref))) todo.push(ref);
    // Recorded, but no output of these bytes: it may have been deleted there.
    else if (!names.has(outputName(ref, local))) check.push(ref);
    else already += 1;
  }
  const before = remote.failedUploads.length;
  const limit = pLimit(4);
  await Promise.all(todo.map((e) => limit(() => remote.publish(e, `${e.kind} ${e.key.slice(0, 16)}`))));
  const restored = (
    await Promise.all(check.map((e) => limit(() => restoreOutput(remote.settings.store, paths, e))))
  ).filter(Boolean).length;
  const failed = remote.failedUploads.slice(before);
  const failedSteps = new Set(failed.map((f) => f.step));
  return {
    pushed: todo.map((e) => `${e.kind} ${e.key.slice(0, 16)}`).filter((s) => !failedSteps.has(s)),
    restored,
    already: already + check.length - restored,
    failed,
    damaged,
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
      const kind = kindOfId(s.id)?.artifact;
      if (kind && hasSidecar(kind) && s.sha256)
        wanted.set(s.key, { key: s.key, kind, step: `${lock.storyboard} ${s.id}` });
    }
  const result: PullResult = { fetched: [], present: 0, absent: [], failed: [] };
  const limit = pLimit(8);
  await Promise.all(
    [...wanted.values()].map((e) =>
      limit(async () => {
        const here = (await intactLocal(paths, e)) !== undefined;
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

// An entry's sidecar, when the local cache holds it with its bytes intact (a damaged entry, or another key's
// output copied under this name, is never shared).
async function intactLocal(paths: CachePaths, e: EntryRef) {
  const got = await verified(paths, e.kind, e.key);
  return got.ok ? got.sidecar : undefined;
}
