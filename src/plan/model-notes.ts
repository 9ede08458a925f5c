// What the plan says about the models themselves: a clip smaller than the film (scaled up when stitched), and
// a project's model file that takes a shipped model's name.
import type { Shot, Storyboard } from "../storyboard/types.js";

// The clip's size as its model makes it (16:9, at the shot's resolution), when the model file says.
export function clipSize(shot: Pick<Shot, "model" | "resolution">): [number, number] | undefined {
  const m = shot.model;
  const resolution =
    shot.resolution ?? m.default_resolution ?? m.resolutions?.[0] ?? Object.keys(m.sizes ?? {})[0];
  return resolution ? m.sizes?.[resolution] : undefined;
}

// "1280x720, scaled up to the film's 1920x1080": against render.resolution, else the first shot's clip.
export function scaleNote(shot: Shot, board: Pick<Storyboard, "render" | "shots">): string | undefined {
  const film = board.render.resolution ?? (board.shots[0] && clipSize(board.shots[0]));
  const size = clipSize(shot);
  if (!film || !size) return undefined;
  // A portrait film takes a landscape model's clip by its short side, as the stitcher fits it.
  const scale = Math.max(film[0] / Math.max(size[0], size[1]), film[1] / Math.min(size[0], size[1]));
  const [fw, fh] = film;
  if (film[0] >= film[1] ? size[1] >= fh && size[0] >= fw : Math.min(...size) >= fw) return undefined;
  return scale > 1 ? `${size[0]}x${size[1]} clip, scaled up to the film's ${fw}x${fh}` : undefined;
}

export function shadowWarnings(board: Pick<Storyboard, "shadowed">): string[] {
  return (board.shadowed ?? []).map(
    (s) =>
      `${s.file} (the project's model file) takes the name ${s.name} of a shipped model: the project's is used`,
  );
}
