// A paid clip whose bytes went bad is fetched again from the provider's URL when it is still served there,
// and accepted only if it is byte-for-byte the clip that was paid for.
import path from "node:path";
import { unlink } from "node:fs/promises";
import { downloadVideo } from "../providers/fal/download.js";
import { commitRename, tempSibling } from "./atomic.js";
import type { CachePaths } from "./layout.js";
import { hashFile, readSidecar } from "./store.js";

export async function repairFromSource(paths: CachePaths, key: string): Promise<boolean> {
  const sidecar = await readSidecar(paths, key);
  if (!sidecar?.video_url) return false;
  const tmp = tempSibling(path.join(paths.tmp, `${key}.mp4`));
  try {
    await downloadVideo(sidecar.video_url, tmp);
    const { sha256 } = await hashFile(tmp);
    if (sha256 !== sidecar.sha256) return false;
    await commitRename(tmp, paths.clip(key));
    return true;
  } catch {
    return false;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}
