// A render in progress says so under the cache: its pid and start time (like the per-key locks) and the keys
// it uses, so `cache gc` leaves alone what a render is using or has just made and not locked yet. A marker
// whose process is gone (kill -9) is ignored, and removed by the next look; one from another host counts while
// its render keeps touching it.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import path from "node:path";
import { utimes } from "node:fs/promises";
import { readJson, writeJsonAtomic, processStartTime } from "./atomic.js";
import type { CachePaths } from "./layout.js";
import { isAlive, type MutexOwner } from "./mutex.js";
import { ifMissing, listIfExists, removeIfExists, statIfExists } from "../util/fs.js";

export interface RenderMarker extends MutexOwner {
  // When it started, by the wall clock (ms): it is compared with the cache files' modification times.
  at: number;
  keys: string[];
}

// A marker on another host is touched this often, and counts while it was touched within STALE_MS.
const TOUCH_MS = 60_000;
const STALE_MS = 10 * 60_000;
const UNWRITABLE = new Set(["EACCES", "EPERM", "EROFS", "ENOSPC", "EDQUOT", "ENOENT", "ENOTDIR"]);

const dir = (paths: CachePaths) => path.join(paths.dir, "renders");

// Written before the render makes or fetches anything; released when it ends.
export async function markRender(
  paths: CachePaths,
  keys: Iterable<string>,
): Promise<{ release(): Promise<void> }> {
  const file = path.join(dir(paths), `${process.pid}-${randomBytes(4).toString("hex")}.json`);
  const started = processStartTime(process.pid);
  const now = Date.now();
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
  const timer = setInterval(() => {
    const t = new Date();
    utimes(file, t, t).catch(ifMissing(undefined));
  }, TOUCH_MS);
  timer.unref();
  return {
    release: async () => {
      clearInterval(timer);
      await removeIfExists(file);
    },
  };
}

// The renders on this cache still running: on this host, by pid and start time; on another, by a recent touch.
export async function liveRenders(paths: CachePaths): Promise<RenderMarker[]> {
  const live: RenderMarker[] = [];
  for (const name of await listIfExists(dir(paths))) {
    if (!/^\d+-[0-9a-f]+\.json$/.test(name)) continue;
    const file = path.join(dir(paths), name);
    const marker = await readJson<RenderMarker>(file);
    if (!marker || typeof marker.pid !== "number" || !Array.isArray(marker.keys)) continue;
    const here = marker.host === hostname();
    const touched = (await statIfExists(file))?.mtimeMs ?? 0;
    if (here ? isAlive(marker) : Date.now() - touched < STALE_MS) live.push(marker);
    else if (here) await removeIfExists(file);
  }
  return live;
}
