// The end-of-render summary: what was generated, reused and spent, what failed and how to resume.
import type { ClipOutcome } from "../generate/generate.js";
import { dollars, sumCosts } from "../util/money.js";
import type { Plan } from "../plan/plan.js";

export function formatSummary(plans: Plan[], outcomes: ClipOutcome[], interrupted: boolean): string[] {
  const count = (status: ClipOutcome["status"]) => outcomes.filter((o) => o.status === status);
  const spent = sumCosts(count("generated").map((o) => o.sidecar?.cost ?? 0));
  const reused = plans
    .flatMap((p) => p.shots)
    .filter((s) => s.status === "cached" || s.status === "duplicate").length;
  const saved = sumCosts(plans.map((p) => p.cost.cached));
  const lines = [
    `Clips: ${count("generated").length} generated (${dollars(spent)}), ${reused} reused from the cache${saved > 0 ? ` (${dollars(saved)} saved)` : ""}` +
      `, ${count("failed").length} failed${count("skipped").length ? `, ${count("skipped").length} not started` : ""}.`,
  ];
  for (const o of count("failed")) lines.push(`  failed: ${o.shots.join(", ")}: ${o.error}`);
  if (count("failed").length > 0)
    lines.push(
      "Finished clips stay in the cache. Fix or retry the failed shots and run the same command again: nothing finished is paid for twice.",
    );
  if (interrupted)
    lines.push(
      "Interrupted. Requests already submitted are journaled; run the same command again to collect them without paying twice.",
    );
  return lines;
}
