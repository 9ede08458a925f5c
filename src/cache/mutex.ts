// One mutex file per key, so two renders on one cache never generate the same clip twice.
import { hostname } from "node:os";
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { link, readFile, rename } from "node:fs/promises";
import path from "node:path";
import { processAlive, processStartTime } from "./atomic.js";
import { isMissing, removeIfExists, statIfExists, withPath } from "../util/fs.js";

export interface MutexOwner {
  pid: number;
  host: string;
  since: string;
  // The holder's start time (see processStartTime): a live process with the same pid but another start time
  // is not the holder.
  started?: string;
}

// The lock files this process holds right now.
const held = new Set<string>();

export interface KeyMutex {
  release(): Promise<void>;
}

// Wait until the lock is ours. A lock whose process is gone (kill -9) is taken over.
export async function acquireMutex(
  file: string,
  options: { signal?: AbortSignal; pollMs?: number; onWait?: (owner: MutexOwner) => void } = {},
): Promise<KeyMutex> {
  mkdirSync(path.dirname(file), { recursive: true });
  const started = processStartTime(process.pid);
  const me: MutexOwner = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    ...(started && { started }),
  };
  let told = false;
  for (;;) {
    options.signal?.throwIfAborted();
    if (tryCreate(file, me)) {
      held.add(file);
      return {
        release: async () => {
          held.delete(file);
          await removeIfExists(file);
        },
      };
    }
    const owner = await readOwner(file);
    // Released between our attempt and our look: try again at once. Never break a lock we could not see.
    const info = owner ? undefined : await statIfExists(file);
    if (!owner && !info) continue;
    // A live holder, or an unreadable lock its writer may be writing right now, is waited for.
    // A lock naming this very process that it does not hold was put back after its release by another
    // process's break (a rare race): it is stale, or this process would wait for itself.
    const mine = owner?.pid === process.pid && owner.host === hostname() && !held.has(file);
    if (!mine && (owner ? isAlive(owner) : Date.now() - info!.mtimeMs < 2000)) {
      if (!told && owner) options.onWait?.(owner);
      told = true;
      await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
    } else {
      await breakStale(file, owner);
    }
  }
}

// Synchronous: a few bytes, and a wave of shots each queueing three async calls in libuv's four threads held
// the first submit back by about 10 ms.
function tryCreate(file: string, me: MutexOwner): boolean {
  try {
    const fd = openSync(file, "wx");
    try {
      writeSync(fd, JSON.stringify(me));
    } catch (err) {
      // A full disk: an empty lock nobody owns would only hold the next run up.
      closeSync(fd);
      rmSync(file, { force: true });
      throw err;
    }
    closeSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw withPath(err, file);
  }
}

async function readOwner(file: string): Promise<MutexOwner | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as MutexOwner;
  } catch (err) {
    // Gone (released meanwhile), or half-written by its owner right now.
    if (isMissing(err) || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

// A lock on another host is trusted; on this host, it lives as long as its process does.
export function isAlive(owner: MutexOwner): boolean {
  if (owner.host !== hostname()) return true;
  if (!processAlive(owner.pid)) return false;
  return owner.started === undefined || owner.started === processStartTime(owner.pid);
}

// Move the stale lock aside atomically. If what was moved is not the lock judged stale (another process took
// the key in between), put it back, without overwriting a lock made since.
async function breakStale(file: string, seen: MutexOwner | undefined): Promise<void> {
  const aside = `${file}.stale.${process.pid}`;
  try {
    await rename(file, aside);
  } catch (err) {
    // Another process broke it first.
    if (isMissing(err)) return;
    throw err;
  }
  const moved = await readOwner(aside);
  const same =
    moved === undefined ? seen === undefined : moved.pid === seen?.pid && moved.since === seen.since;
  if (!same && moved && isAlive(moved)) await link(aside, file).catch(ifExists);
  await removeIfExists(aside);
}

// A lock made in the meantime stands; the one moved aside is dropped.
function ifExists(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
}
