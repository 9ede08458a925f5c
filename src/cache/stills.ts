// Stills in and out of the cache: the image is renamed in first, its sidecar (written last) makes it count.
import { readFile } from "node:fs/promises";
import { commitRename, readJson, writeJsonAtomic } from "./atomic.js";
import type { CachePaths } from "./layout.js";
import { sha256 } from "../util/hash.js";
import { statIfExists } from "../util/fs.js";
import { mkdir } from "node:fs/promises";

export interface StillSidecar {
  version: 1;
  key: string;
  still: string;
  provider: string;
  endpoint: string;
  input: Record<string, unknown>;
  request_id?: string;
  created_at: string;
  format: "png" | "jpeg" | "webp";
  width: number;
  height: number;
  bytes: number;
  sha256: string;
  cost: number;
  key_material: Record<string, unknown>;
  // Where the provider served it, so a damaged copy can be fetched again before anything is re-paid.
  image_url?: string;
}

export async function insertStill(
  paths: CachePaths,
  tmpFile: string,
  meta: Omit<StillSidecar, "version" | "bytes" | "sha256">,
): Promise<StillSidecar> {
  await mkdir(paths.stills, { recursive: true });
  const bytes = await readFile(tmpFile);
  await commitRename(tmpFile, paths.still(meta.key, extension(meta.format)));
  const sidecar: StillSidecar = { version: 1, ...meta, bytes: bytes.length, sha256: sha256(bytes) };
  await writeJsonAtomic(paths.stillSidecar(meta.key), sidecar);
  return sidecar;
}

// The cached still and its file, when both are there and the bytes still match.
export async function cachedStill(
  paths: CachePaths,
  key: string,
): Promise<{ sidecar: StillSidecar; file: string } | undefined> {
  const sidecar = await readJson<StillSidecar>(paths.stillSidecar(key));
  if (!sidecar) return undefined;
  const file = paths.still(key, extension(sidecar.format));
  const info = await statIfExists(file);
  if (!info || info.size !== sidecar.bytes) return undefined;
  if (sha256(await readFile(file)) !== sidecar.sha256) return undefined;
  return { sidecar, file };
}

export function extension(format: StillSidecar["format"]): string {
  return format === "jpeg" ? "jpg" : format;
}
