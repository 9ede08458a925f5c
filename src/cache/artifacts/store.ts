// The artifact store, by (kind, key): an output renamed in with its sidecar written last (only then does it
// count), checked on the way out against the sidecar's size and sha256, hashed as a stream for every kind.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, utimes } from "node:fs/promises";
import { changedAtNow, ifMissing, mtimeNow, removeIfExists, statIfExists } from "../../util/fs.js";
import { commitRename, readJsonNow, writeJsonAtomic } from "../atomic.js";
import type { ArtifactKind, CachePaths } from "../layout.js";
import { fixedExtension, outputFile, sidecarFile } from "./kinds.js";
import { hasSidecar, type SidecarFacts, type SidecarKind, type SidecarOf } from "./sidecars.js";

// Move a finished file into the cache under (kind, key). The output counts as cached only once its sidecar exists.
export async function insert<K extends SidecarKind>(
  paths: CachePaths,
  kind: K,
  key: string,
  tmpFile: string,
  facts: SidecarFacts<K>,
): Promise<SidecarOf<K>> {
  await mkdir(paths.artifacts(kind), { recursive: true });
  // The bytes must be on disk before their name is: a power cut must not leave a paid output half-written.
  // Hashing only reads, so it runs while the bytes are flushed.
  const [{ sha256, bytes }] = await Promise.all([hashFile(tmpFile), syncFile(tmpFile)]);
  await commitRename(tmpFile, outputFile(paths, kind, key, facts));
  const sidecar = { version: 1, key, ...facts, bytes, sha256 } as SidecarOf<K>;
  await writeJsonAtomic(sidecarFile(paths, kind, key), sidecar);
  return sidecar;
}

export async function readSidecar<K extends SidecarKind>(
  paths: CachePaths,
  kind: K,
  key: string,
): Promise<SidecarOf<K> | undefined> {
  // Small files, read by the hundred in a render: synchronously, which costs less than libuv's round trips.
  return readJsonNow<SidecarOf<K>>(sidecarFile(paths, kind, key));
}

// Why an output is not to be trusted, as a word callers can choose their own sentence by.
export type Untrusted = "no sidecar" | "another key" | "missing" | "size" | "sha256";
export type Verified<K extends SidecarKind> =
  | { ok: true; sidecar: SidecarOf<K>; file: string }
  | { ok: false; problem: Untrusted; why: string };

// A cached output is trusted only if its bytes still match its sidecar. `hash: false` trusts the bytes of an
// output the caller found unchanged since its sidecar (changedSinceSidecar: the stat check git and Bazel make);
// the size and the key are still checked.
export async function verified<K extends SidecarKind>(
  paths: CachePaths,
  kind: K,
  key: string,
  options: { hash?: boolean } = {},
): Promise<Verified<K>> {
  const untrusted = (problem: Untrusted, why: string) => ({ ok: false, problem, why }) as const;
  const sidecar = await readSidecar(paths, kind, key);
  if (!sidecar) return untrusted("no sidecar", "no sidecar");
  // An output and sidecar copied under another key's name are another step's output.
  if (sidecar.key !== key)
    return untrusted("another key", "its sidecar is another key's (copied under this name?)");
  const file = outputFile(paths, kind, key, sidecar);
  const info = await statIfExists(file);
  if (!info) return untrusted("missing", `${kind} file missing`);
  if (info.size !== sidecar.bytes)
    return untrusted("size", `size ${info.size} differs from the recorded ${sidecar.bytes}`);
  if (options.hash !== false && (await hashFile(file)).sha256 !== sidecar.sha256)
    return untrusted("sha256", "sha256 differs from the sidecar");
  return { ok: true, sidecar, file };
}

// Forget an output whose bytes went bad, so it is made (or reported) again: the sidecar first, so it stops counting.
export async function evict(paths: CachePaths, kind: ArtifactKind, key: string): Promise<void> {
  const sidecar = hasSidecar(kind) ? await readSidecar(paths, kind, key) : undefined;
  if (hasSidecar(kind)) await removeIfExists(sidecarFile(paths, kind, key));
  // Without a sidecar, a still's or a sound's file name is not known (its extension is its recorded format).
  if (sidecar || fixedExtension(kind)) await removeIfExists(outputFile(paths, kind, key, sidecar));
}

// The cheap check a render makes of an up-to-date film's output: written after its sidecar means changed since it
// entered the cache (synchronous: a render with nothing to do asks this of every clip at once). Gone is not changed.
export function changedSinceSidecar(
  paths: CachePaths,
  kind: SidecarKind,
  key: string,
  sidecar?: object,
): boolean {
  const output = changedAtNow(outputFile(paths, kind, key, sidecar));
  const side = mtimeNow(sidecarFile(paths, kind, key));
  // Equal times count as changed: the kernel stamps files from a clock that moves a few ms at a time, so a
  // clip changed just after its sidecar was written can carry the sidecar's own time (git's "racily clean").
  return output !== undefined && side !== undefined && output >= side;
}

// The sidecar made newer than its output (found intact after all, or fetched again), so the cheap check trusts it.
export async function touchSidecar(paths: CachePaths, kind: SidecarKind, key: string): Promise<void> {
  const now = new Date();
  await utimes(sidecarFile(paths, kind, key), now, now).catch(ifMissing(undefined));
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

async function syncFile(file: string): Promise<void> {
  const handle = await open(file, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
