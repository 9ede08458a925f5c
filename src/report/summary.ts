// The end-of-render summary: what was generated, reused and spent, what failed and how to resume; as counts
// for machines (the --json summary event) and as sentences for people.
import type { ClipOutcome } from "../steps/executor.js";
import type { Plan } from "../plan/plan.js";
import { dollars, sumCosts } from "../util/money.js";

export interface SummaryCounts {
  generated: number;
  reused: number;
  failed: number;
  not_started: number;
  spent: number;
  saved: number;
  interrupted: boolean;
  // Whether anything was paid for at a provider, so an interrupt's note speaks of journaled requests.
  paid: boolean;
  failures: Array<{ shots: string[]; error: string }>;
}

// `paid`: the request ids this run paid for (its records in the spend ledger); a clip collected from an earlier
// run's request, or from another machine's, was paid by that run.
export function summaryCounts(
  plans: Plan[],
  outcomes: ClipOutcome[],
  interrupted: boolean,
  paid: ReadonlySet<string>,
): SummaryCounts {
  const of = (status: ClipOutcome["status"]) => outcomes.filter((o) => o.status === status);
  const shots = plans.flatMap((p) => p.shots);
  return {
    generated: of("generated").length,
    reused: shots.filter((s) => s.status === "cached" || s.status === "duplicate").length,
    failed: of("failed").length,
    not_started: of("skipped").length,
    spent: sumCosts(
      of("generated")
        .filter((o) => o.sidecar?.request_id !== undefined && paid.has(o.sidecar.request_id))
        .map((o) => o.sidecar?.cost ?? 0),
    ),
    saved: sumCosts(plans.map((p) => p.cost.cached)),
    interrupted,
    paid: plans.some((p) => p.provider === "fal"),
    failures: of("failed").map((o) => ({ shots: o.shots, error: o.error ?? "" })),
  };
}

export function formatSummary(c: SummaryCounts): string[] {
  const saved = c.saved > 0 ? ` (${dollars(c.saved)} saved)` : "";
  const notStarted = c.not_started ? `, ${c.not_started} not started` : "";
  const lines = [
    `Clips: ${c.generated} generated (${dollars(c.spent)}), ${c.reused} reused from the cache${saved}, ${c.failed} failed${notStarted}.`,
  ];
  for (const f of c.failures) lines.push(`  failed: ${f.shots.join(", ")}: ${f.error}`);
  if (c.failed > 0)
    lines.push(
      "Finished clips stay in the cache. Fix or retry the failed shots and run the same command again: nothing finished is paid for twice.",
    );
  if (c.interrupted)
    lines.push(
      c.paid
        ? "Interrupted. Requests already submitted are journaled; run the same command again to collect them without paying twice."
        : "Interrupted. Run the same command again to make the rest.",
    );
  return lines;
}
