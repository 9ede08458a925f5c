// A paid clip whose bytes went bad is fetched again from the provider's URL when it is still served there,
// and accepted only if it is byte-for-byte the clip that was paid for.
import { utimes } from "node:fs/promises";
import { commitRename, readJson } from "../cache/atomic.js";
import { extension, type StillSidecar } from "../cache/stills.js";
import type { SoundSidecar } from "../cache/sounds.js";
import type { CachePaths } from "../cache/layout.js";
import { hashFile, readSidecar } from "../cache/store.js";
import { ProviderError } from "../errors.js";
import { removeIfExists } from "../util/fs.js";
import { downloadFile } from "./fal/download.js";

export async function refetchClip(paths: CachePaths, key: string): Promise<boolean> {
  const sidecar = await readSidecar(paths, key);
  // A sidecar copied from another key names that key's clip: fetching it would put the wrong shot here.
  if (!sidecar?.video_url || sidecar.key !== key) return false;
  return fetchSameBytes(
    sidecar.video_url,
    sidecar.sha256,
    paths.temp("clip", key),
    paths.clip(key),
    paths.sidecar(key),
  );
}

// The same for a paid still: fetched again from fal's URL, and kept only if it is the same bytes.
export async function refetchStill(paths: CachePaths, key: string): Promise<boolean> {
  const sidecar = await readJson<StillSidecar>(paths.stillSidecar(key));
  if (!sidecar?.image_url || sidecar.key !== key) return false;
  const target = paths.still(key, extension(sidecar.format));
  const tmp = `${paths.temp("still", key)}.img`;
  return fetchSameBytes(sidecar.image_url, sidecar.sha256, tmp, target, paths.stillSidecar(key));
}

// The same for a paid voice-over or music bed.
export async function refetchSound(paths: CachePaths, key: string): Promise<boolean> {
  const sidecar = await readJson<SoundSidecar>(paths.soundSidecar(key));
  if (!sidecar?.audio_url || sidecar.key !== key) return false;
  const tmp = `${paths.temp("sound", key)}.audio`;
  return fetchSameBytes(
    sidecar.audio_url,
    sidecar.sha256,
    tmp,
    paths.sound(key, sidecar.format),
    paths.soundSidecar(key),
  );
}

async function fetchSameBytes(
  url: string,
  sha256: string,
  tmp: string,
  target: string,
  sidecar: string,
): Promise<boolean> {
  try {
    await downloadFile(url, tmp);
    if ((await hashFile(tmp)).sha256 !== sha256) return false;
    await commitRename(tmp, target);
    // The sidecar stays newer than its output, as when it entered the cache: a render's cheap check trusts that.
    const now = new Date();
    await utimes(sidecar, now, now);
    return true;
  } catch (err) {
    // The URL expired or the download broke: the output is made again instead.
    if (err instanceof ProviderError) return false;
    throw err;
  } finally {
    await removeIfExists(tmp);
  }
}
