// What the plan says about the models themselves: a clip smaller than the film (scaled up when stitched), and
// a project's model file that takes a shipped model's name or endpoint.
import { sameShape } from "../models/modes.js";
import type { Shot, Storyboard } from "../storyboard/types.js";
import { passChain } from "./pass-chain.js";
import { clipSize } from "../storyboard/clip-size.js";

export { clipSize };

// The film's size when its shots ask for upscales: the highest height asked (or a shot's own clip, when it is
// higher: a paid 4K clip is not scaled down), at the first shot's shape. render.resolution, when given, wins;
// without upscales the first clip decides, as it is measured.
export function upscaledFilmSize(board: Pick<Storyboard, "render" | "shots">): [number, number] | undefined {
  if (board.render.resolution) return board.render.resolution;
  const heights = board.shots.flatMap((s) => (s.upscale ? [s.upscale.pixels] : []));
  if (heights.length === 0) return undefined;
  const own = board.shots.flatMap((s) => {
    const size = finishedSize(s);
    return size ? [Math.min(...size)] : [];
  });
  const first = board.shots[0] && clipSize(board.shots[0]);
  return scaledTo(first ?? [16, 9], Math.max(...heights, ...own));
}

// An upscale the film cannot show: render.resolution is smaller than the height it pays for.
export function upscaleWarnings(board: Pick<Storyboard, "render" | "shots">): string[] {
  const film = board.render.resolution;
  if (!film) return [];
  return board.shots.flatMap((s) =>
    s.upscale && s.upscale.pixels > Math.min(...film) && passChain(s).links.some((l) => l.height)
      ? [
          `shot ${s.id}: it is upscaled to ${s.upscale.height}, and render.resolution makes the film ${film[0]}x${film[1]}: the upscale is paid for and then scaled down; lower its upscale or raise render.resolution`,
        ]
      : [],
  );
}

// The shot's clip as the film gets it: after its passes, at the last upscale's height.
export function finishedSize(shot: Shot): [number, number] | undefined {
  const size = clipSize(shot);
  const last = passChain(shot)
    .links.filter((l) => l.height)
    .at(-1);
  return size && last?.height ? scaledTo(size, last.height.pixels) : size;
}

// A shape at a height of its short side, with even sides.
function scaledTo([w, h]: [number, number], short: number): [number, number] {
  const even = (n: number) => Math.round(n / 2) * 2;
  return w >= h ? [even((short * w) / h), short] : [short, even((short * h) / w)];
}

// "1280x720 clip, scaled up to the film's 1920x1080": against render.resolution or the asked upscales, else the
// first shot's clip.
export function scaleNote(shot: Shot, board: Pick<Storyboard, "render" | "shots">): string | undefined {
  const film = upscaledFilmSize(board) ?? (board.shots[0] && finishedSize(board.shots[0]));
  const size = finishedSize(shot);
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
