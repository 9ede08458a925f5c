// What a render of some films may read from the cache, so that `cache gc` in another process keeps it.
import { readJson } from "../cache/atomic.js";
import type { FilmRecord } from "../stitch/film.js";
import { filmFiles } from "../util/output-files.js";
import type { PlannedFilm } from "./plans.js";

// Every key these films' plans and locks name (each take of each step) and the pieces their films were last
// joined from: what a render of them may read.
export async function keysUsed(films: PlannedFilm[]): Promise<string[]> {
  const keys = new Set<string>();
  for (const { plan, lock, output } of films) {
    for (const s of [...plan.shots, ...plan.steps]) {
      keys.add(s.key);
      for (const t of s.takes ?? []) keys.add(t.key);
    }
    for (const s of lock?.steps ?? []) keys.add(s.key);
    for (const key of (await readJson<FilmRecord>(filmFiles(output).record))?.pieces ?? []) keys.add(key);
  }
  return [...keys];
}
