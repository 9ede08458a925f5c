// A shot's status in the report: the one translation from what the plan said and what the render did.
import type { ClipOutcome } from "../steps/executor.js";
import type { ShotStatus } from "../plan/plan.js";

// What the report says of a shot.
export type ReportShotStatus = "cached" | "generated" | "duplicate" | "failed" | "skipped" | "not_started";

// Both tables are keyed by every member of their union, so a new status cannot go unmapped.
const FROM_OUTCOME: Record<ClipOutcome["status"], ReportShotStatus> = {
  generated: "generated",
  cached: "cached",
  failed: "failed",
  skipped: "not_started",
};

const FROM_PLAN: Record<
  ShotStatus,
  (outcome: ClipOutcome["status"] | undefined, hasClip: boolean) => ReportShotStatus
> = {
  duplicate: () => "duplicate",
  // Planned again after generating (to choose among takes, say): what this run made reads as generated.
  cached: (outcome) => (outcome === "generated" ? "generated" : "cached"),
  // Left out by --only: it is in the film if an earlier render made it.
  skipped: (_, hasClip) => (hasClip ? "cached" : "skipped"),
  generate: fromOutcome,
  collect: fromOutcome,
  "looking up": fromOutcome,
};

function fromOutcome(outcome: ClipOutcome["status"] | undefined): ReportShotStatus {
  return outcome === undefined ? "not_started" : FROM_OUTCOME[outcome];
}

export function reportStatus(
  planned: ShotStatus,
  outcome: ClipOutcome["status"] | undefined,
  hasClip: boolean,
): ReportShotStatus {
  return FROM_PLAN[planned](outcome, hasClip);
}
