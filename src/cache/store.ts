// Clips in and out of the cache: atomic insert with a sidecar written last, and integrity checks on the way out.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import path from "node:path";
import { commitRename, readJson, writeJsonAtomic } from "./atomic.js";
import type { MediaInfo } from "../media/probe.js";
import type { CachePaths } from "./layout.js";
import { removeIfExists, statIfExists } from "../util/fs.js";

export interface ClipSidecar {
  version: 1;
  key: string;
  shot: string;
  provider: string;
  endpoint: string;
  input: Record<string, unknown>;
  request_id?: string;
  created_at: string;
  timings: { queue_ms?: number; generate_ms?: number; download_ms?: number; total_ms: number };
  bytes: number;
  sha256: string;
  cost: number;
  duration: number;
  has_audio: boolean;
  // ffprobe's facts, so stitching need not probe again.
  media?: MediaInfo;
  // What the cache key hashed, so a later plan can say which field changed.
  key_material?: Record<string, unknown>;
  // Where the provider served the clip: a damaged copy is fetched again from here before anything is re-paid.
  video_url?: string;
}

// Move a finished file into the cache. The clip counts as cached only once its sidecar exists.
export async function insertClip(
  paths: CachePaths,
  key: string,
  tmpFile: string,
  meta: Omit<ClipSidecar, "bytes" | "sha256" | "version" | "key">,
): Promise<ClipSidecar> {
  await mkdir(`${paths.dir}/clips`, { recursive: true });
  // The clip's bytes must be on disk before its name is: a power cut must not leave a paid clip half-written.
  // Hashing only reads, so it runs while the bytes are flushed.
  const [{ sha256, bytes }] = await Promise.all([hashFile(tmpFile), syncFile(tmpFile)]);
  await commitRename(tmpFile, paths.clip(key));
  const sidecar: ClipSidecar = { version: 1, key, ...meta, bytes, sha256 };
  await writeJsonAtomic(paths.sidecar(key), sidecar);
  return sidecar;
}

export async function readSidecar(paths: CachePaths, key: string): Promise<ClipSidecar | undefined> {
  return readJson<ClipSidecar>(paths.sidecar(key));
}

// A cached clip is trusted only if its bytes still match its sidecar.
export async function verifyClip(
  paths: CachePaths,
  key: string,
): Promise<{ ok: true; sidecar: ClipSidecar } | { ok: false; why: string }> {
  const sidecar = await readSidecar(paths, key);
  if (!sidecar) return { ok: false, why: "no sidecar" };
  // A clip and sidecar copied under another key's name are another shot's clip.
  if (sidecar.key !== key)
    return { ok: false, why: "its sidecar is another key's (copied under this name?)" };
  const info = await statIfExists(paths.clip(key));
  if (!info) return { ok: false, why: "clip file missing" };
  if (info.size !== sidecar.bytes)
    return { ok: false, why: `size ${info.size} differs from the recorded ${sidecar.bytes}` };
  const { sha256 } = await hashFile(paths.clip(key));
  if (sha256 !== sidecar.sha256) return { ok: false, why: "sha256 differs from the sidecar" };
  return { ok: true, sidecar };
}

// A clip and sidecar found under another key's name go back under their own key when that is free and the
// bytes are the ones the sidecar names (moved, not copied: nothing paid is thrown away). True if moved.
export async function returnToOwnKey(paths: CachePaths, key: string): Promise<boolean> {
  const sidecar = await readSidecar(paths, key);
  if (!sidecar || sidecar.key === key || !(await statIfExists(paths.clip(key)))) return false;
  return moveToOwnKey(paths.clip(key), paths.sidecar(key), sidecar);
}

// Any kind's output and sidecar, found under another key's name, go back under the key their sidecar names:
// only when that slot is free and the bytes are the ones the sidecar names.
export async function moveToOwnKey(
  output: string,
  sidecarFile: string,
  sidecar: { key?: unknown; sha256?: string },
): Promise<boolean> {
  const own = sidecar.key;
  if (typeof own !== "string" || !/^[0-9a-f]{64}$/.test(own) || !sidecar.sha256) return false;
  const dir = path.dirname(output);
  const target = path.join(dir, `${own}${path.extname(output)}`);
  const targetSidecar = path.join(dir, `${own}.json`);
  if ((await statIfExists(targetSidecar)) || (await statIfExists(target))) return false;
  if ((await hashFile(output)).sha256 !== sidecar.sha256) return false;
  await commitRename(output, target);
  await commitRename(sidecarFile, targetSidecar);
  return true;
}

// Forget a clip whose bytes went bad, so it is generated (or reported) again.
export async function evictClip(paths: CachePaths, key: string): Promise<void> {
  await removeIfExists(paths.sidecar(key));
  await removeIfExists(paths.clip(key));
}

async function syncFile(file: string): Promise<void> {
  const handle = await open(file, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), bytes };
}
