// A render in progress says so under the cache: its pid and start time (like the per-key locks) and the keys
// it uses, so `cache gc` leaves alone what a render is using or has just made and not locked yet. A marker
// whose process is gone (kill -9) is ignored, and removed by the next look.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import path from "node:path";
import { readJson, writeJsonAtomic, processStartTime } from "./atomic.js";
import type { CachePaths } from "./layout.js";
import { isAlive, type LockOwner } from "./lock.js";
import { listIfExists, removeIfExists } from "../util/fs.js";

export interface RenderMarker extends LockOwner {
  // When it started (ms since the epoch): anything written in the cache since may be its work.
  at: number;
  keys: string[];
}

const dir = (paths: CachePaths) => path.join(paths.dir, "renders");

// Written before the render makes or fetches anything; released when it ends.
export async function markRender(
  paths: CachePaths,
  keys: Iterable<string>,
  now: number,
): Promise<{ release(): Promise<void> }> {
  const file = path.join(dir(paths), `${process.pid}-${randomBytes(4).toString("hex")}.json`);
  const started = processStartTime(process.pid);
  const marker: RenderMarker = {
    pid: process.pid,
    host: hostname(),
    since: new Date(now).toISOString(),
    ...(started && { started }),
    at: now,
    keys: [...new Set(keys)],
  };
  try {
    await writeJsonAtomic(file, marker, { durable: false });
  } catch (err) {
    // A cache that cannot be written to is named by the render's own check, with advice.
    if (UNWRITABLE.has((err as NodeJS.ErrnoException).code ?? "")) return { release: async () => undefined };
    throw err;
  }
  return { release: () => removeIfExists(file) };
}

const UNWRITABLE = new Set(["EACCES", "EPERM", "EROFS", "ENOSPC", "EDQUOT", "ENOENT", "ENOTDIR"]);

// The renders on this cache still running (on another host: trusted, as its locks are).
export async function liveRenders(paths: CachePaths): Promise<RenderMarker[]> {
  const live: RenderMarker[] = [];
  for (const name of await listIfExists(dir(paths))) {
    if (!/^\d+-[0-9a-f]+\.json$/.test(name)) continue;
    const file = path.join(dir(paths), name);
    const marker = await readJson<RenderMarker>(file);
    if (!marker || typeof marker.pid !== "number" || !Array.isArray(marker.keys)) continue;
    if (isAlive(marker)) live.push(marker);
    else await removeIfExists(file);
  }
  return live;
}
