// The on-disk cache: content-addressed clips plus the bookkeeping that keeps them from being paid for twice.
//
//   <cache>/clips/<key>.mp4       a finished clip (written to a temp file, then renamed)
//   <cache>/clips/<key>.json      its sidecar: model input, request id, timings, bytes, sha256, cost
//   <cache>/journal/<key>.json    a fal request in flight: written before waiting, removed once the clip is in
//   <cache>/locks/<key>.lock      held while one process generates that key
//   <cache>/uploads.json          image sha256 -> fal storage URL and when it was uploaded
//   <cache>/segments/<key>.mp4    normalised video segments of films (a clip, or clips joined by transitions)
//   <cache>/tmp/                  partial downloads and encodes
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { CacheIndex } from "../plan/plan.js";

export const CACHE_ENV = "STORYREEL_CACHE_DIR";

export function defaultCacheDir(env: NodeJS.ProcessEnv, cwd: string): string {
  return path.resolve(cwd, env[CACHE_ENV] || path.join("out", "cache"));
}

export function cachePaths(dir: string) {
  return {
    dir,
    clip: (key: string) => path.join(dir, "clips", `${key}.mp4`),
    sidecar: (key: string) => path.join(dir, "clips", `${key}.json`),
    journal: (key: string) => path.join(dir, "journal", `${key}.json`),
    lock: (key: string) => path.join(dir, "locks", `${key}.lock`),
    uploads: path.join(dir, "uploads.json"),
    segments: path.join(dir, "segments"),
    tmp: path.join(dir, "tmp"),
  };
}
export type CachePaths = ReturnType<typeof cachePaths>;

// A snapshot of which clips are cached: a clip counts only with its sidecar, which is written last.
export async function readCacheIndex(dir: string): Promise<CacheIndex & { keys: Set<string> }> {
  const names = await readdir(path.join(dir, "clips")).catch(() => [] as string[]);
  const set = new Set(names);
  const keys = new Set(
    names
      .filter((n) => n.endsWith(".json") && set.has(n.replace(/\.json$/, ".mp4")))
      .map((n) => n.slice(0, -5)),
  );
  return { keys, has: (key) => keys.has(key) };
}
