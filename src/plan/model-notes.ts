// What the plan says about the models themselves: a clip smaller than the film (scaled up when stitched), and
// a project's model file that takes a shipped model's name or endpoint.
import { sameShape } from "../models/modes.js";
import { clipSize } from "../storyboard/clip-size.js";
import type { Shot, Storyboard } from "../storyboard/types.js";

// The clip's size moved to the storyboard stage (lip-sync's limits are checked at validate); named here too.
export { clipSize };

// "1280x720 clip, scaled up to the film's 1920x1080": against render.resolution, else the first shot's clip.
export function scaleNote(shot: Shot, board: Pick<Storyboard, "render" | "shots">): string | undefined {
  const film = board.render.resolution ?? (board.shots[0] && clipSize(board.shots[0]));
  const size = clipSize(shot);
  if (!film || !size) return undefined;
  const [fw, fh] = film;
  const scale = Math.min(fw / size[0], fh / size[1]);
  const boxed = sameShape(size[0] / size[1], fw / fh) ? "" : ", boxed (its shape is not the film's)";
  if (scale > 1.001) return `${size[0]}x${size[1]} clip, scaled up to the film's ${fw}x${fh}${boxed}`;
  return boxed ? `${size[0]}x${size[1]} clip${boxed}` : undefined;
}

// One line per project file: the shipped names and endpoint ids it takes.
export function shadowWarnings(board: Pick<Storyboard, "shadowed">): string[] {
  const byFile = new Map<string, string[]>();
  for (const s of board.shadowed ?? []) byFile.set(s.file, [...(byFile.get(s.file) ?? []), s.name]);
  return [...byFile].map(
    ([file, names]) =>
      `${file} (the project's model file) takes ${names.join(", ")}, which a shipped model has: the project's is used`,
  );
}
