// One lock file per key, so two renders on one cache never generate the same clip twice.
import { hostname } from "node:os";
import { mkdir, open, readFile, rename } from "node:fs/promises";
import path from "node:path";
import { processAlive, processStartTime } from "./atomic.js";
import { ifMissing, isMissing, removeIfExists, statIfExists } from "../util/fs.js";

interface LockOwner {
  pid: number;
  host: string;
  since: string;
  // The holder's start time (see processStartTime): a live process with the same pid but another start time
  // is not the holder.
  started?: string;
}

export interface KeyLock {
  release(): Promise<void>;
}

// Wait until the lock is ours. A lock whose process is gone (kill -9) is taken over.
export async function acquireLock(
  file: string,
  options: { signal?: AbortSignal; pollMs?: number; onWait?: (owner: LockOwner) => void } = {},
): Promise<KeyLock> {
  await mkdir(path.dirname(file), { recursive: true });
  const started = processStartTime(process.pid);
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    ...(started && { started }),
  };
  let told = false;
  for (;;) {
    options.signal?.throwIfAborted();
    if (await tryCreate(file, me)) return { release: () => removeIfExists(file) };
    const owner = await readOwner(file);
    if ((owner && isAlive(owner)) || (!owner && (await isFresh(file)))) {
      if (!told && owner) options.onWait?.(owner);
      told = true;
      await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
    } else {
      await breakStale(file, owner);
    }
  }
}

async function tryCreate(file: string, me: LockOwner): Promise<boolean> {
  try {
    const handle = await open(file, "wx");
    await handle.writeFile(JSON.stringify(me));
    await handle.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as LockOwner;
  } catch (err) {
    // Gone (released meanwhile), or half-written by its owner right now.
    if (isMissing(err) || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

// An unreadable lock may be one being written right now; give its writer a moment.
async function isFresh(file: string): Promise<boolean> {
  const info = await statIfExists(file);
  return info !== undefined && Date.now() - info.mtimeMs < 2000;
}

// A lock on another host is trusted; on this host, it lives as long as its process does.
function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  if (!processAlive(owner.pid)) return false;
  return owner.started === undefined || owner.started === processStartTime(owner.pid);
}

// Move the stale lock aside atomically; if a live owner slipped in meanwhile, put its lock back.
async function breakStale(file: string, seen: LockOwner | undefined): Promise<void> {
  const aside = `${file}.stale.${process.pid}`;
  try {
    await rename(file, aside);
  } catch (err) {
    // Another process broke it first.
    if (isMissing(err)) return;
    throw err;
  }
  const moved = await readOwner(aside);
  if (moved && seen && (moved.pid !== seen.pid || moved.since !== seen.since) && isAlive(moved)) {
    await rename(aside, file).catch(ifMissing(undefined));
    return;
  }
  await removeIfExists(aside);
}
