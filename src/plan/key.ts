// Cache keys: sha256 over canonical JSON of exactly what the provider will receive, images by content.
import { canonicalJson, sha256 } from "../util/hash.js";
import { modelInput } from "./model-input.js";
import type { ModelSpec } from "../models/types.js";
import type { ImageRef, Shot } from "../storyboard/types.js";

// Bump when the key's shape changes, so old clips are never mistaken for new ones.
export const KEY_FORMAT = 1;

export type ProviderId = "fal" | "preview";
// Bump a provider's version when the clips it makes change for the same input.
export const PROVIDER_VERSIONS: Record<ProviderId, number> = { fal: 1, preview: 1 };

export function imageIdentity(image: ImageRef): Record<string, string> {
  return image.kind === "file" ? { sha256: image.sha256 } : { url: image.url };
}

// What the key hashes; shown by `plan --json` so a changed key can be explained.
export function keyMaterial(shot: Shot, model: ModelSpec, provider: ProviderId): Record<string, unknown> {
  return {
    key_format: KEY_FORMAT,
    provider: `${provider}@${PROVIDER_VERSIONS[provider]}`,
    endpoint: model.endpoint,
    input: modelInput(model, shot, imageIdentity),
  };
}

export function clipKey(shot: Shot, model: ModelSpec, provider: ProviderId): string {
  return sha256(canonicalJson(keyMaterial(shot, model, provider)));
}
