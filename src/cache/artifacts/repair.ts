// Damaged or misplaced outputs put right for free: fetched again from where the provider served them when that
// gives back the very bytes paid for, or moved back under the key their sidecar names.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { ProviderError } from "../../errors.js";
import { removeIfExists, statIfExists } from "../../util/fs.js";
import { commitRename } from "../atomic.js";
import type { CachePaths } from "../layout.js";
import { outputFile, outputUrl, sidecarFile } from "./kinds.js";
import type { SidecarKind } from "./sidecars.js";
import { hashFile, readSidecar, touchSidecar } from "./store.js";

// How a URL's bytes reach a file (the provider's download, passed in: the cache does no network of its own).
export type Download = (url: string, file: string) => Promise<unknown>;

// A paid output whose bytes went bad, fetched again from the provider's URL in its sidecar, and accepted only if it
// is byte-for-byte the output that was paid for. False: no URL, another key's sidecar, expired, or other bytes.
export async function refetch(
  paths: CachePaths,
  kind: SidecarKind,
  key: string,
  download: Download,
): Promise<boolean> {
  const sidecar = await readSidecar(paths, kind, key);
  const url = sidecar && outputUrl(kind, sidecar);
  // A sidecar copied from another key names that key's output: fetching it would put the wrong step here.
  if (!sidecar || !url || sidecar.key !== key) return false;
  const tmp = paths.temp(kind, key);
  try {
    await mkdir(paths.tmp, { recursive: true });
    await download(url, tmp);
    if ((await hashFile(tmp)).sha256 !== sidecar.sha256) return false;
    await commitRename(tmp, outputFile(paths, kind, key, sidecar));
    // The sidecar stays newer than its output, as when it entered the cache: a render's cheap check trusts that.
    await touchSidecar(paths, kind, key);
    return true;
  } catch (err) {
    // The URL expired or the download broke: the output is made again instead.
    if (err instanceof ProviderError) return false;
    throw err;
  } finally {
    await removeIfExists(tmp);
  }
}

// An output and sidecar found under another key's name go back under their own key when that is free and the
// bytes are the ones the sidecar names (moved, not copied: nothing paid is thrown away). True if moved.
export async function returnToOwnKey(paths: CachePaths, kind: SidecarKind, key: string): Promise<boolean> {
  const sidecar = await readSidecar(paths, kind, key);
  const output = sidecar && outputFile(paths, kind, key, sidecar);
  if (!sidecar || sidecar.key === key || !output || !(await statIfExists(output))) return false;
  return moveToOwnKey(output, sidecarFile(paths, kind, key), sidecar);
}

// Any kind's output and sidecar files, found under another key's name, go back under the key their sidecar
// names: only when that slot is free and the bytes are the ones the sidecar names.
export async function moveToOwnKey(
  output: string,
  sidecarPath: string,
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
  await commitRename(sidecarPath, targetSidecar);
  return true;
}
