// Voice-overs and generated music in and out of the cache: the audio is renamed in first, its sidecar
// (written last, with the measured length) makes it count.
import { mkdir, readFile } from "node:fs/promises";
import type { AudioFormat } from "../models/audio-types.js";
import { sha256 } from "../util/hash.js";
import { statIfExists } from "../util/fs.js";
import { commitRename, readJson, writeJsonAtomic } from "./atomic.js";
import type { CachePaths } from "./layout.js";

export interface SoundSidecar {
  version: 1;
  key: string;
  kind: "voice" | "music";
  provider: string;
  endpoint: string;
  input: Record<string, unknown>;
  request_id?: string;
  created_at: string;
  format: AudioFormat;
  // Seconds, measured by ffprobe when it entered the cache.
  duration: number;
  bytes: number;
  sha256: string;
  cost: number;
  key_material: Record<string, unknown>;
  // Where the provider served it, so a damaged copy can be fetched again before anything is re-paid.
  audio_url?: string;
  // How a preview stand-in was voiced: "espeak-ng", "flite" or "tone".
  voiced_by?: string;
}

export async function insertSound(
  paths: CachePaths,
  tmpFile: string,
  meta: Omit<SoundSidecar, "version" | "bytes" | "sha256">,
): Promise<SoundSidecar> {
  await mkdir(paths.sounds, { recursive: true });
  const bytes = await readFile(tmpFile);
  await commitRename(tmpFile, paths.sound(meta.key, meta.format));
  const sidecar: SoundSidecar = { version: 1, ...meta, bytes: bytes.length, sha256: sha256(bytes) };
  await writeJsonAtomic(paths.soundSidecar(meta.key), sidecar);
  return sidecar;
}

// The cached sound and its file, when both are there and the bytes still match.
export async function cachedSound(
  paths: CachePaths,
  key: string,
): Promise<{ sidecar: SoundSidecar; file: string } | undefined> {
  const sidecar = await readJson<SoundSidecar>(paths.soundSidecar(key));
  if (!sidecar) return undefined;
  const file = paths.sound(key, sidecar.format);
  const info = await statIfExists(file);
  if (!info || info.size !== sidecar.bytes) return undefined;
  if (sha256(await readFile(file)) !== sidecar.sha256) return undefined;
  return { sidecar, file };
}
