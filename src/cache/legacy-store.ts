// TEMPORARY: the old store's names that src/steps/kinds still imports, as thin wrappers over the artifact store.
// The lead removes this file once the kinds use the store (verified, readSidecar, outputFile) directly.
import { outputExtension, readSidecar as readArtifactSidecar, verified } from "./artifacts/index.js";
import type { ClipSidecar, SoundSidecar, StillSidecar } from "./artifacts/index.js";
import type { CachePaths } from "./layout.js";

export type { ClipSidecar, SoundSidecar, StillSidecar };

export function readSidecar(paths: CachePaths, key: string): Promise<ClipSidecar | undefined> {
  return readArtifactSidecar(paths, "clip", key);
}

export async function verifyClip(
  paths: CachePaths,
  key: string,
): Promise<{ ok: true; sidecar: ClipSidecar } | { ok: false; why: string }> {
  return verified(paths, "clip", key);
}

export async function cachedStill(
  paths: CachePaths,
  key: string,
): Promise<{ sidecar: StillSidecar; file: string } | undefined> {
  const got = await verified(paths, "still", key);
  return got.ok ? { sidecar: got.sidecar, file: got.file } : undefined;
}

export async function cachedSound(
  paths: CachePaths,
  key: string,
): Promise<{ sidecar: SoundSidecar; file: string } | undefined> {
  const got = await verified(paths, "sound", key);
  return got.ok ? { sidecar: got.sidecar, file: got.file } : undefined;
}

export function extension(format: StillSidecar["format"]): string {
  return outputExtension("still", format);
}
