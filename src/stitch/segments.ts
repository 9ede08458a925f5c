// Films are cut into segments at their cuts: each clip, or run of clips joined by transitions, is normalised
// once and kept in the cache by what went into it, so changing one shot re-encodes only its segment.
import type { Capabilities } from "../media/capabilities.js";
import { canonicalJson, sha256 } from "../util/hash.js";
import { VIDEO_CODEC } from "./args.js";
import type { Profile, StitchClip } from "./profile.js";

// Bump when segment encoding changes, so old segments are not reused.
// 2: fades through black are symmetric and stop at legal black on every ffmpeg version.
export const SEGMENT_FORMAT = 2;

// Runs of clips joined by transitions; a cut starts a new run.
export function splitAtCuts(clips: StitchClip[]): StitchClip[][] {
  const groups: StitchClip[][] = [];
  for (const clip of clips) {
    if (groups.length === 0 || clip.transition.type === "cut") groups.push([clip]);
    else groups.at(-1)!.push(clip);
  }
  return groups;
}

export function segmentKey(group: StitchClip[], profile: Profile, caps: Pick<Capabilities, "xfade">): string {
  return sha256(
    canonicalJson({
      segment_format: SEGMENT_FORMAT,
      clips: group.map((c, i) => ({
        key: c.key,
        trim: c.trim ?? null,
        transition: i === 0 ? null : c.transition,
      })),
      profile,
      blend: caps.xfade ? "xfade" : "blend",
      codec: VIDEO_CODEC,
    }),
  );
}
