// A JSON file in the cache that several renders update (uploads.json): each update reads, changes and writes
// it under a lock, so no update is lost, whether the writers are in one process or in several.
import { readJson, writeJsonAtomic } from "./atomic.js";
import { acquireMutex } from "./mutex.js";

// Updates to one file from this process run one after another; the lock file orders them across processes.
const queues = new Map<string, Promise<unknown>>();

export async function updateJson<T>(file: string, change: (current: T | undefined) => T): Promise<T> {
  const before = queues.get(file) ?? Promise.resolve();
  // The previous update's failure belongs to its own caller; this update runs regardless.
  const run = before
    .catch(() => undefined)
    .then(async () => {
      const lock = await acquireMutex(`${file}.lock`, { pollMs: 15 });
      try {
        const next = change(await readJson<T>(file));
        await writeJsonAtomic(file, next);
        return next;
      } finally {
        await lock.release();
      }
    });
  queues.set(file, run);
  try {
    return await run;
  } finally {
    if (queues.get(file) === run) queues.delete(file);
  }
}
