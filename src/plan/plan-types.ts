// The plan's shape: a versioned value that `plan --json` prints and later versions keep stable.
import type { Lockfile } from "../project/lockfile.js";
import type { ProviderId } from "./key.js";
import type { PlannedStep, StepEdge } from "./steps.js";

export const PLAN_VERSION = 1;

// "collect": submitted by an earlier run (its request id is journaled), so it is already paid for and only
// collected. "looking up": an earlier submit got no answer; a render looks for it in fal's request listing and
// collects it (so it is priced as in flight), and submits it only once the listing shows fal never accepted it.
export type ShotStatus = "cached" | "generate" | "collect" | "looking up" | "duplicate" | "skipped";

export interface PlannedShot {
  id: string;
  index: number;
  key: string;
  status: ShotStatus;
  duplicate_of?: string;
  // For `generate`: "new shot", or the fields changed since this shot's last clip (e.g. "prompt changed").
  reason?: string;
  // Stills or frames this shot's clip needs that are not made yet: it starts once they exist.
  waits_for?: string[];
  // With several takes: the take the film uses (its key is `key`), and every take with its status.
  take?: number;
  takes?: PlannedTake[];
  // The video model: its family alias, the mode the shot's inputs chose, and the endpoint.
  model: string;
  mode: string;
  endpoint: string;
  resolution?: string;
  // The clip is smaller than the film, so the stitcher scales it up.
  scaled_up?: string;
  duration: number;
  audio: boolean;
  cost: number;
  // Finishing passes, in order ("upscale:warning@1080p", "lipsync:warning", "upscale:warning@4k"), and the key
  // of the clip the film uses: the last pass's output (absent: the clip itself, `key`).
  passes?: string[];
  finished?: string;
  // Why the stitcher still scales the finished clip, or why a pass does not run ("already 1080p").
  pass_notes?: string[];
}

export interface PlannedTake {
  take: number;
  key: string;
  status: ShotStatus;
}

export interface Plan {
  version: typeof PLAN_VERSION;
  storyboard: string;
  output: string;
  provider: ProviderId;
  model: string;
  shots: PlannedShot[];
  // The graph: every still, frame and clip as a step, and which step feeds which. Costs include the stills.
  steps: PlannedStep[];
  edges: StepEdge[];
  cost: { currency: "USD"; film: number; new: number; cached: number; in_flight: number };
  // What may go wrong that the plan can only estimate (a voice-over that may not fit its shot).
  warnings?: string[];
}

export interface PlanOptions {
  provider: ProviderId;
  // With --only, shots outside this set are never generated (they must already be cached).
  only?: ReadonlySet<string>;
  output?: string;
  // Key material of each shot's clip in the previous render (by shot id), to explain what changed.
  previous?: ReadonlyMap<string, Record<string, unknown>>;
  // Key material of each still in the previous render (by name).
  previousStills?: ReadonlyMap<string, Record<string, unknown>>;
  // Shots whose last attempt failed, by shot id: the key tried and the error.
  failedBefore?: ReadonlyMap<string, { key: string; error: string }>;
  // Blocked shots will be submitted, and paid for, again.
  resubmitUnconfirmed?: boolean;
  // The committed lockfile: how many takes each step has and which one it uses.
  lock?: Lockfile;
}

// The clip the film uses for a shot: its last pass's output, else its clip.
export function filmClipKey(shot: Pick<PlannedShot, "key" | "finished">): string {
  return shot.finished ?? shot.key;
}

// Whether the shot goes to the provider: to be generated, collected from an earlier run's request, or
// refused there with the reason (blocked).
export function isClipJob(status: ShotStatus): boolean {
  return status === "generate" || status === "collect" || status === "looking up";
}

// Whether rendering this shot means a new submit, that is, new spending.
export function paysFor(status: ShotStatus, options: Pick<PlanOptions, "resubmitUnconfirmed">): boolean {
  return status === "generate" || (status === "looking up" && options.resubmitUnconfirmed === true);
}
