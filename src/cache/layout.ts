// The on-disk cache: content-addressed clips plus the bookkeeping that keeps them from being paid for twice.
//
//   <cache>/clips/<key>.mp4       a finished clip (written to a temp file, then renamed)
//   <cache>/clips/<key>.json      its sidecar: model input, request id, timings, bytes, sha256, cost
//   <cache>/journal/<key>.json    a fal request in flight: written before waiting, removed once the clip is in
//   <cache>/locks/<key>.lock      a mutex, held while one process generates that key (folder name kept for older versions)
//   <cache>/uploads.json          image sha256 -> fal storage URL and when it was uploaded
//   <cache>/segments/<key>.mp4    normalised pieces of films (a transition's window, or a clip's stretch between)
//   <cache>/segments/<key>.aac    a chunk of a film's encoded soundtrack (raw ADTS), keyed by what was mixed into it
//   <cache>/segments/<key>.lufs   that chunk's loudness before the film's gain (block energies, true peak; JSON)
//   <cache>/stills/<key>.<ext>    a finished still (png, jpeg or webp), and <key>.json, its sidecar
//   <cache>/frames/<key>.png      a frame taken from a clip (free to take again)
//   <cache>/sounds/<key>.<ext>    a voice-over or generated music bed, and <key>.json, its sidecar
//   <cache>/tmp/                  partial downloads and encodes
import path from "node:path";
import { readJson, tempSibling } from "./atomic.js";
import { listIfExists, statIfExists } from "../util/fs.js";

// The kinds of output written through <cache>/tmp/, which name their temp files.
export type TempKind = "clip" | "still" | "sound";

export const CACHE_ENV = "STORYREEL_CACHE_DIR";

// What the cache stores, each in <cache>/<kind>s/ as the remote cache keeps it under v1/<kind>s/ (frames stay local).
export const ARTIFACT_KINDS = ["clip", "still", "frame", "sound"] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

// Which clips the cache holds, as the planner sees it.
export interface CacheIndex {
  has(key: string): boolean;
  // A fal request an earlier run journaled for this key: "submitted" (its id is known) or "submitting" (unconfirmed).
  journal?(key: string): "submitted" | "submitting" | undefined;
}

export function defaultCacheDir(env: NodeJS.ProcessEnv, cwd: string): string {
  return path.resolve(cwd, env[CACHE_ENV] || path.join("out", "cache"));
}

// --cache-dir when given (relative to cwd), else STORYREEL_CACHE_DIR, else out/cache.
export function resolveCacheDir(option: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string {
  return option ? path.resolve(cwd, option) : defaultCacheDir(env, cwd);
}

export function cachePaths(dir: string) {
  const artifact = (kind: ArtifactKind, key: string, ext: string) =>
    path.join(dir, `${kind}s`, `${key}.${ext}`);
  return {
    dir,
    artifacts: (kind: ArtifactKind) => path.join(dir, `${kind}s`),
    artifact,
    clip: (key: string) => path.join(dir, "clips", `${key}.mp4`),
    sidecar: (key: string) => path.join(dir, "clips", `${key}.json`),
    journal: (key: string) => path.join(dir, "journal", `${key}.json`),
    mutex: (key: string) => path.join(dir, "locks", `${key}.lock`),
    still: (key: string, ext: string) => path.join(dir, "stills", `${key}.${ext}`),
    frame: (key: string) => path.join(dir, "frames", `${key}.png`),
    sound: (key: string, ext: string) => path.join(dir, "sounds", `${key}.${ext}`),
    uploads: path.join(dir, "uploads.json"),
    segments: path.join(dir, "segments"),
    tmp: path.join(dir, "tmp"),
    // A fresh temporary name for an output of this kind being written; it enters the cache by rename.
    temp: (kind: TempKind, key: string) => tempSibling(path.join(dir, "tmp", `${key}.${kind}`)),
  };
}
export type CachePaths = ReturnType<typeof cachePaths>;

// A snapshot of which clips are cached: a clip counts only with its sidecar, which is written last.
export async function readCacheIndex(dir: string): Promise<CacheIndex & { keys: Set<string> }> {
  const names = await listIfExists(path.join(dir, "clips"));
  const set = new Set(names);
  const keys = new Set(
    names
      .filter((n) => n.endsWith(".json") && set.has(n.replace(/\.json$/, ".mp4")))
      .map((n) => n.slice(0, -5)),
  );
  // Stills count once their sidecar (written last) exists; frames once their file does (they are renamed in).
  for (const sub of ["stills", "sounds"])
    for (const n of await listIfExists(path.join(dir, sub)))
      if (n.endsWith(".json")) keys.add(n.slice(0, -5));
  for (const n of await listIfExists(path.join(dir, "frames")))
    if (/^[0-9a-f]+\.png$/.test(n)) keys.add(n.slice(0, -4));
  const journal = new Map<string, "submitted" | "submitting">();
  const journaled = (await listIfExists(path.join(dir, "journal"))).filter((n) => /^[^.].*\.json$/.test(n));
  await Promise.all(
    journaled.map(async (name) => {
      const file = path.join(dir, "journal", name);
      const entry = await readJson<{ state?: string }>(file);
      // Gone meanwhile: the request finished and its clip is in the cache.
      if (entry === undefined && !(await statIfExists(file))) return;
      // Unreadable (a power cut mid-write) counts as an unconfirmed submit, as the provider reads it too.
      const state = entry?.state === "submitted" ? "submitted" : "submitting";
      journal.set(name.slice(0, -5), state);
    }),
  );
  return { keys, has: (key) => keys.has(key), journal: (key) => journal.get(key) };
}
