// Cache keys: sha256 over canonical JSON of exactly what the provider will receive, images by content.
import { canonicalJson, sha256 } from "../util/hash.js";
import { modelInput } from "../storyboard/model-input.js";
import type { ImageRef, Shot } from "../storyboard/types.js";

// Bump when the key's shape changes, so old clips are never mistaken for new ones.
export const KEY_FORMAT = 1;

export type ProviderId = "fal" | "preview";
// Bump a provider's version when the clips it makes change for the same input.
export const PROVIDER_VERSIONS: Record<ProviderId, number> = { fal: 1, preview: 1 };

// How an image counts in a key. Stills and frames made by the graph count by their step's key (see
// graph-keys.ts); a file they were written to carries that identity with it.
export type ImageIdentity = (image: ImageRef) => Record<string, string>;

export function imageIdentity(image: ImageRef): Record<string, string> {
  if (image.kind === "file") return image.identity ?? { sha256: image.sha256 };
  if (image.kind === "url") return { url: image.url };
  throw new Error(`bug: ${image.source} needs the graph's keys (graphKeys) to be counted`);
}

// What the key hashes; shown by `plan --json` so a changed key can be explained.
// The endpoint and every field sent: changing a shot's model or resolution makes exactly that clip again.
export function keyMaterial(
  shot: Shot,
  provider: ProviderId,
  identity: ImageIdentity = imageIdentity,
): Record<string, unknown> {
  return {
    key_format: KEY_FORMAT,
    provider: `${provider}@${PROVIDER_VERSIONS[provider]}`,
    endpoint: shot.model.endpoint,
    input: modelInput(shot.model, shot, identity),
  };
}

export function clipKey(shot: Shot, provider: ProviderId, identity: ImageIdentity = imageIdentity): string {
  return sha256(canonicalJson(keyMaterial(shot, provider, identity)));
}

// Take 1 is the step's own key, so caches from before takes stay valid; take n > 1 is derived from it.
export function takeKey(base: string, take: number): string {
  return take === 1 ? base : sha256(`${base}#take${take}`);
}
