// A paid clip whose bytes went bad is fetched again from the provider's URL when it is still served there,
// and accepted only if it is byte-for-byte the clip that was paid for.
import { commitRename, readJson } from "../cache/atomic.js";
import { extension, type StillSidecar } from "../cache/stills.js";
import type { CachePaths } from "../cache/layout.js";
import { hashFile, readSidecar } from "../cache/store.js";
import { ProviderError } from "../errors.js";
import { removeIfExists } from "../util/fs.js";
import { downloadVideo } from "./fal/download.js";

export async function refetchClip(paths: CachePaths, key: string): Promise<boolean> {
  const sidecar = await readSidecar(paths, key);
  if (!sidecar?.video_url) return false;
  const tmp = paths.tempClip(key);
  try {
    await downloadVideo(sidecar.video_url, tmp);
    const { sha256 } = await hashFile(tmp);
    if (sha256 !== sidecar.sha256) return false;
    await commitRename(tmp, paths.clip(key));
    return true;
  } catch (err) {
    // The URL expired or the download broke: the clip is generated again instead.
    if (err instanceof ProviderError) return false;
    throw err;
  } finally {
    await removeIfExists(tmp);
  }
}

// The same for a paid still: fetched again from fal's URL, and kept only if it is the same bytes.
export async function refetchStill(paths: CachePaths, key: string): Promise<boolean> {
  const sidecar = await readJson<StillSidecar>(paths.stillSidecar(key));
  if (!sidecar?.image_url) return false;
  const tmp = `${paths.tempClip(key)}.img`;
  try {
    await downloadVideo(sidecar.image_url, tmp);
    const { sha256 } = await hashFile(tmp);
    if (sha256 !== sidecar.sha256) return false;
    await commitRename(tmp, paths.still(key, extension(sidecar.format)));
    return true;
  } catch (err) {
    if (err instanceof ProviderError) return false;
    throw err;
  } finally {
    await removeIfExists(tmp);
  }
}
