// A paid clip whose bytes went bad is fetched again from the provider's URL when it is still served there,
// and accepted only if it is byte-for-byte the clip that was paid for.
import { commitRename } from "../cache/atomic.js";
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
