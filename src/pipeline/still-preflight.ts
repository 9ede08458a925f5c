// Cached stills a render will read (an edit or a clip it makes uses them), checked by their sha256 before
// anything is priced: a paid one whose bytes went bad is fetched again from fal (free); otherwise it is removed,
// to be planned and made again (priced, within --max-cost and render.budget). Offline nothing is fetched or removed.
import { isClipJob, type ShotStatus } from "../plan/plan.js";
import { storedAs } from "../steps/registry.js";
import type { RenderContext } from "./context.js";
import { repairOutput } from "./repair-output.js";
import type { PlannedFilm } from "./plans.js";

// Returns the keys removed.
export async function checkCachedStills(films: PlannedFilm[], ctx: RenderContext): Promise<string[]> {
  const removed: string[] = [];
  const seen = new Set<string>();
  for (const { plan } of films) {
    const making = new Set(plan.steps.filter((s) => isClipJob(s.status as ShotStatus)).map((s) => s.id));
    const read = plan.steps.filter(
      (s) =>
        storedAs(s, "still") &&
        s.status === "cached" &&
        plan.edges.some((e) => e.from === s.id && making.has(e.to)),
    );
    for (const step of read) {
      if (seen.has(step.key)) continue;
      seen.add(step.key);
      if (await repairOutput(ctx, "still", step, "image")) removed.push(step.key);
    }
  }
  return removed;
}
