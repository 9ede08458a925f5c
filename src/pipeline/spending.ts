// What a render of planned films would make and newly spend, counting a step two storyboards share once.
import { isClipJob, type Plan, paysFor, type ShotStatus } from "../plan/plan.js";
import { sumCosts } from "../util/money.js";
import type { PlannedFilm } from "./plans.js";
import { isPass, storedAs } from "../steps/registry.js";
import { type ImageRef, shotImages } from "../storyboard/types.js";

// Whether a render of these films will make something (so its provider will be needed): clips to make, and
// within --max-cost.
export function willGenerate(films: PlannedFilm[], resubmitUnconfirmed: boolean, maxCost?: number): boolean {
  const budget = newSpending(
    films.map((f) => f.plan),
    resubmitUnconfirmed,
  );
  return budget.clips > 0 && (maxCost === undefined || budget.cost <= maxCost + 1e-9);
}

// Clips to make (new, collected or blocked) and the new spending across storyboards, counting a clip shared by
// two storyboards once. Collecting a journaled request costs nothing new.
export function newSpending(
  plans: Plan[],
  resubmitUnconfirmed: boolean,
  // Steps whose submit is counted already (by another machine sharing the bucket): not new spending here.
  counted?: ReadonlySet<string | undefined>,
): { cost: number; clips: number; stills?: number; sounds?: number; passes?: number } {
  const jobs = new Map<string, number>();
  for (const s of plans.flatMap((p) => p.shots)) {
    if (isClipJob(s.status)) jobs.set(s.key, paysFor(s.status, { resubmitUnconfirmed }) ? s.cost : 0);
    // Every other take still to make is a clip of its own.
    for (const t of s.takes ?? [])
      if (t.key !== s.key && isClipJob(t.status) && s.status !== "duplicate")
        jobs.set(t.key, paysFor(t.status, { resubmitUnconfirmed }) ? s.cost : 0);
  }
  const stills = new Map<string, number>();
  for (const s of plans.flatMap((p) => p.steps))
    if (storedAs(s, "still"))
      for (const t of s.takes?.map((k) => (k.take === s.take ? { ...k, status: s.status } : k)) ?? [s])
        if (isClipJob(t.status as ShotStatus))
          stills.set(t.key, paysFor(t.status as ShotStatus, { resubmitUnconfirmed }) ? s.cost : 0);
  const sounds = new Map<string, number>();
  for (const s of plans.flatMap((p) => p.steps))
    if (storedAs(s, "sound") && isClipJob(s.status as ShotStatus))
      sounds.set(s.key, paysFor(s.status as ShotStatus, { resubmitUnconfirmed }) ? s.cost : 0);
  // Lip-syncs and upscales: clips of their own, each take too.
  const passes = new Map<string, number>();
  for (const s of plans.flatMap((p) => p.steps))
    if (isPass(s) && s.status !== "duplicate")
      for (const t of s.takes?.map((k) => (k.take === s.take ? { ...k, status: s.status } : k)) ?? [s])
        if (isClipJob(t.status as ShotStatus))
          passes.set(t.key, paysFor(t.status as ShotStatus, { resubmitUnconfirmed }) ? s.cost : 0);
  // Stills and sounds count toward the spending; `clips` (what is made) counts them too, so a graph of
  // stills or a changed voice-over alone runs.
  for (const map of [jobs, stills, sounds, passes])
    for (const key of map.keys()) if (counted?.has(key)) map.set(key, 0);
  return {
    cost: sumCosts([...jobs.values(), ...stills.values(), ...sounds.values(), ...passes.values()]),
    clips: jobs.size + stills.size + sounds.size + passes.size,
    ...(stills.size > 0 && { stills: stills.size }),
    ...(sounds.size > 0 && { sounds: sounds.size }),
    ...(passes.size > 0 && { passes: passes.size }),
  };
}

// The images the clips to make will send that are on disk already (stills the render makes are not yet).
export function imagesToSend(films: PlannedFilm[]): ImageRef[] {
  const images: ImageRef[] = [];
  for (const f of films) {
    const making = new Set(f.plan.shots.filter((s) => isClipJob(s.status)).map((s) => s.id));
    for (const shot of f.board.shots)
      if (making.has(shot.id)) images.push(...shotImages(shot).filter((i) => i.kind === "file"));
  }
  return images;
}
