// A clip's size before it is made, from its model file: what the stitcher scales and a lip-sync model must take.
import { ratioOf, resolutionOf } from "../models/modes.js";
import type { Shot } from "./types.js";

// The clip's size as its model makes it: the short side of the shot's resolution, at the shot's aspect ratio
// (the one it asks for, else its start image's, else 16:9), when the model file gives its sizes.
export function clipSize(
  shot: Pick<Shot, "model" | "resolution" | "aspectRatio" | "image">,
): [number, number] | undefined {
  const m = shot.model;
  const resolution = resolutionOf(m, shot.resolution) ?? Object.keys(m.sizes ?? {})[0];
  const base = resolution ? m.sizes?.[resolution] : undefined;
  if (!base) return undefined;
  const short = Math.min(...base);
  const ratio = shot.aspectRatio
    ? ratioOf(shot.aspectRatio)
    : shot.image?.kind === "file"
      ? shot.image.width / shot.image.height
      : base[0] / base[1];
  const even = (n: number) => Math.round(n / 2) * 2;
  return ratio >= 1 ? [even(short * ratio), short] : [short, even(short / ratio)];
}
