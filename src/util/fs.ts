// File-system calls where a missing file is an expected answer; every other error still propagates.
import { readdir, stat, unlink } from "node:fs/promises";
import { type Stats, statSync } from "node:fs";

export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

// Whether a file exists, answered without a trip through libuv's thread pool (a wave of shots checking their
// journals at once queues there); an error other than "missing" (EACCES, say) is thrown, as a read would.
// A file's modification time, read at once (a no-op render checks a hundred files: the thread pool's round trip
// per file costs more than the stat), or undefined when it is missing.
// The last time the file's bytes or its inode changed: its ctime cannot be set back as its mtime can (cp -p,
// tar, rsync -t), so a file replaced that way still counts as changed.
export function changedAtNow(file: string): number | undefined {
  try {
    const info = statSync(file, { throwIfNoEntry: false });
    return info && Math.max(info.mtimeMs, info.ctimeMs);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

export function mtimeNow(file: string): number | undefined {
  try {
    return statSync(file, { throwIfNoEntry: false })?.mtimeMs;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

export function existsNow(file: string): boolean {
  try {
    return statSync(file, { throwIfNoEntry: false }) !== undefined;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

// For `.catch(ifMissing(fallback))`: a missing file gives the fallback, anything else is rethrown.
export function ifMissing<T>(fallback: T): (err: unknown) => T {
  return (err) => {
    if (isMissing(err)) return fallback;
    throw err;
  };
}

export async function removeIfExists(file: string): Promise<void> {
  await unlink(file).catch(ifMissing(undefined));
}

export async function statIfExists(file: string): Promise<Stats | undefined> {
  return stat(file).catch(ifMissing(undefined));
}

export async function listIfExists(dir: string): Promise<string[]> {
  return readdir(dir).catch(ifMissing([] as string[]));
}

// An error from a write or read on an open file names no file ("ENOSPC: no space left on device, write"):
// give it the file, so whoever reports it can say which folder is full. Returns the same error, for `throw`.
export function withPath(err: unknown, file: string): unknown {
  const e = err as NodeJS.ErrnoException | undefined;
  if (e && typeof e === "object" && typeof e.code === "string" && e.path === undefined) e.path = file;
  return err;
}
