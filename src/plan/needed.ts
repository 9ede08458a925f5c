// Which stills a render needs: not one whose every shot is cached, and under --only, those its shots use.
import type { Storyboard } from "../storyboard/types.js";
import { isClipJob, type PlannedShot } from "./plan-types.js";
import { inputsOf, type PlannedStep, type StepEdge } from "./steps.js";

// A still whose every shot is cached (its cache entry was removed, say) is not made again: nothing needs it.
// A still no shot uses at all is made, since the storyboard asks for it.
export function markUnneeded(stills: PlannedStep[], shots: PlannedShot[], edges: StepEdge[]): void {
  const jobs = new Set(
    shots
      .filter((s) => isClipJob(s.status) || (s.takes ?? []).some((t) => isClipJob(t.status)))
      .map((s) => `shot:${s.id}`),
  );
  const users = (id: string, seen = new Set<string>()): string[] =>
    edges
      .filter((e) => e.from === id && !seen.has(e.to) && seen.add(e.to))
      .flatMap((e) => (e.to.startsWith("shot:") ? [e.to] : users(e.to, seen)));
  for (const still of stills) {
    if (still.status !== "generate" && still.status !== "looking up") continue;
    const using = users(still.id);
    if (using.length > 0 && !using.some((u) => jobs.has(u))) {
      still.status = "skipped";
      still.reason = "not needed: every shot that uses it is cached";
    }
  }
}

// The stills that the shots named by --only need, directly or through the stills they edit.
export function stillsNeeded(storyboard: Storyboard, only: ReadonlySet<string>): Set<string> {
  const needed = new Set<string>();
  const byName = new Map(storyboard.stills.map((s) => [s.name, s]));
  const add = (name: string) => {
    if (needed.has(name)) return;
    needed.add(name);
    for (const r of byName.get(name)?.references ?? []) if (r.kind === "still") add(r.still);
  };
  for (const shot of storyboard.shots)
    if (only.has(shot.id)) for (const i of inputsOf(shot)) if (i.kind === "still") add(i.still);
  return needed;
}
