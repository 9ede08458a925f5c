// The largest film and still storyreel accepts, checked before anything is paid for.
import type { Report } from "./report-problem.js";
import type { StoryboardDoc } from "./types.js";

// The film is H.264: level 6.2, the highest, allows 139,264 macroblocks (16x16 px) a frame (H.264 Table A-1;
// 8192x4352), and x264 refuses a side over 16384 ("invalid width x height"). 8192 a side keeps inside both.
export const MAX_FILM_SIDE = 8192;
export const MAX_FILM_MACROBLOCKS = 139_264;

// fal's image models document no largest size; 4096 a side (16.8 MP, $0.42 on FLUX.1 [dev]) is far more than
// the video model's 1080p clips use, and stops a typo from paying for a poster-sized still.
export const MAX_STILL_SIDE = 4096;

export function checkResolution(doc: Partial<StoryboardDoc>, report: Report): void {
  const resolution = doc.render?.resolution;
  if (typeof resolution !== "string" || !/^\d+x\d+$/.test(resolution)) return;
  const [width, height] = resolution.split("x").map(Number) as [number, number];
  const macroblocks = Math.ceil(width / 16) * Math.ceil(height / 16);
  if (Math.max(width, height) > MAX_FILM_SIDE || macroblocks > MAX_FILM_MACROBLOCKS)
    report(
      ["render", "resolution"],
      `is ${resolution}; an H.264 film can be at most ${MAX_FILM_SIDE} px on a side and ${MAX_FILM_MACROBLOCKS.toLocaleString("en-US")} 16x16 blocks a frame (level 6.2, e.g. 8192x4320 or 7680x4320)`,
    );
}

// The still's own size limit; the video model's limits (smallest side, aspect) are checked beside it.
export function stillTooLarge(width: number, height: number): string | undefined {
  if (Math.max(width, height) <= MAX_STILL_SIDE) return undefined;
  return `is ${width}x${height}; a still can be at most ${MAX_STILL_SIDE} px on a side (the video model makes its clips far smaller, and a still is paid by its size)`;
}
