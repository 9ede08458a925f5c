// Cache keys: sha256 over canonical JSON of exactly what the provider will receive, images by content.
import { createHash } from "node:crypto";
import { modelInput } from "../models/input.js";
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

export function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

// JSON with object keys sorted at every depth, so equal values always hash equally.
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
