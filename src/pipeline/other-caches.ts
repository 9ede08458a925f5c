// Paths are relative to the folder storyreel runs in, so a storyboard rendered from its own folder keeps its
// cache in <its folder>/out/cache, and one rendered from elsewhere does not see it: everything would be made,
// and paid for, again. Such a cache is named before anything is priced.
import { readdirSync } from "node:fs";
import path from "node:path";
import type { Storyboard } from "../storyboard/types.js";
import { existsNow } from "../util/fs.js";

// `chosen`: the cache was named (--cache-dir, STORYREEL_CACHE_DIR), so another is no surprise.
export function otherCaches(
  boards: Storyboard[],
  cacheDir: string,
  shown: (file: string) => string,
  chosen: boolean,
): string[] {
  const notes: string[] = [];
  if (chosen) return notes;
  for (const dir of new Set(boards.map((b) => path.dirname(b.path)))) {
    const beside = path.join(dir, "out", "cache");
    if (path.resolve(beside) === path.resolve(cacheDir) || !holdsOutputs(beside)) continue;
    notes.push(
      `note: this run's cache is ${shown(cacheDir)} (paths are relative to the folder you run in), and ${shown(beside)} beside the storyboard holds earlier outputs this run does not see. Run from ${shown(dir) || "."}, or pass --cache-dir ${shown(beside)}, so nothing is made and paid for twice.`,
    );
  }
  return notes;
}

function holdsOutputs(cache: string): boolean {
  return ["clips", "stills", "sounds"].some((sub) => {
    const dir = path.join(cache, sub);
    // A cache without this kind's folder (or none at all) holds none of it; anything else is a real error.
    if (!existsNow(dir)) return false;
    return readdirSync(dir).some((f) => f.endsWith(".json"));
  });
}
