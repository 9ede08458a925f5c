// Keys for every step of a storyboard's graph. A step's key hashes its model input, each image counted by its
// content: a file by its sha256, and an image another step makes by that step's key (which names its content
// in the cache), so a change upstream changes every key downstream.
import { canonicalJson, sha256 } from "../util/hash.js";
import type { ImageRef, Shot, Still, Storyboard } from "../storyboard/types.js";
import { KEY_FORMAT, PROVIDER_VERSIONS, type ProviderId } from "./key.js";
import { stillInput } from "./still-input.js";

export interface GraphKeys {
  stills: Map<string, string>;
  // By frame source ("lamp@last").
  frames: Map<string, string>;
  clips: Map<string, string>;
  // Each step's take-1 key, by step id.
  base: Map<string, string>;
  identity(image: ImageRef): Record<string, string>;
}

export function graphKeys(
  board: Pick<Storyboard, "stills" | "shots" | "model">,
  provider: ProviderId,
  clipKeyOf: (shot: Shot, identity: GraphKeys["identity"]) => string,
  // The key of the take a step uses, from its take-1 key ("still:keeper" or "shot:arrival").
  choose: (id: string, base: string) => string = (_, base) => base,
): GraphKeys {
  const keys: GraphKeys = {
    stills: new Map(),
    frames: new Map(),
    clips: new Map(),
    base: new Map(),
    identity,
  };
  function identity(image: ImageRef): Record<string, string> {
    switch (image.kind) {
      case "file":
        return image.identity ?? { sha256: image.sha256 };
      case "url":
        return { url: image.url };
      case "still":
        return { still: stillKey(image.still) };
      case "frame":
        return { frame: frameKey(image) };
    }
  }
  const stills = new Map(board.stills.map((s) => [s.name, s]));
  const shots = new Map(board.shots.map((s) => [s.id, s]));
  function stillKey(name: string): string {
    const known = keys.stills.get(name);
    if (known) return known;
    const base = sha256(canonicalJson(stillKeyMaterial(stills.get(name)!, provider, identity)));
    keys.base.set(`still:${name}`, base);
    const key = choose(`still:${name}`, base);
    keys.stills.set(name, key);
    return key;
  }
  function frameKey(image: Extract<ImageRef, { kind: "frame" }>): string {
    const known = keys.frames.get(image.source);
    if (known) return known;
    // first and last mean the kept part of a trimmed clip, so its trim is part of the frame.
    const trim = typeof image.frame === "string" ? shots.get(image.from)?.trim : undefined;
    const frame = { clip: clipKey(image.from), at: image.frame, ...(trim && { trim }) };
    const key = sha256(canonicalJson({ key_format: KEY_FORMAT, frame }));
    keys.frames.set(image.source, key);
    return key;
  }
  function clipKey(id: string): string {
    const known = keys.clips.get(id);
    if (known) return known;
    const base = clipKeyOf(shots.get(id)!, identity);
    keys.base.set(`shot:${id}`, base);
    const key = choose(`shot:${id}`, base);
    keys.clips.set(id, key);
    return key;
  }
  for (const still of board.stills) stillKey(still.name);
  for (const shot of board.shots) clipKey(shot.id);
  return keys;
}

export function stillKeyMaterial(
  still: Still,
  provider: ProviderId,
  identity: (image: ImageRef) => Record<string, string>,
): Record<string, unknown> {
  return {
    key_format: KEY_FORMAT,
    provider: `${provider}@${PROVIDER_VERSIONS[provider]}`,
    endpoint: still.model.endpoint,
    input: stillInput(still, identity),
  };
}
