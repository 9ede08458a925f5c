// Plan stage: a pure function of (storyboard, cache index) that says what a render would do and spend.
import { sumCosts } from "../util/money.js";
import { shotCost } from "./model-input.js";
import type { CacheIndex } from "../cache/layout.js";
import type { Storyboard } from "../storyboard/types.js";
import { clipKey, keyMaterial, type ProviderId } from "./key.js";
import { changedFields } from "./why.js";

export const PLAN_VERSION = 1;

// "collect": submitted by an earlier run (its request id is journaled), so it is already paid for and only
// collected. "blocked": an earlier submit got no answer; it is submitted again only with --resubmit-unconfirmed.
export type ShotStatus = "cached" | "generate" | "collect" | "blocked" | "duplicate" | "skipped";

export interface PlannedShot {
  id: string;
  index: number;
  key: string;
  status: ShotStatus;
  duplicate_of?: string;
  // For `generate`: "new shot", or the fields changed since this shot's last clip (e.g. "prompt changed").
  reason?: string;
  duration: number;
  audio: boolean;
  cost: number;
}

export interface Plan {
  version: typeof PLAN_VERSION;
  storyboard: string;
  output: string;
  provider: ProviderId;
  model: string;
  shots: PlannedShot[];
  cost: { currency: "USD"; film: number; new: number; cached: number; in_flight: number };
}

export interface PlanOptions {
  provider: ProviderId;
  // With --only, shots outside this set are never generated (they must already be cached).
  only?: ReadonlySet<string>;
  output?: string;
  // Key material of each shot's clip in the previous render (by shot id), to explain what changed.
  previous?: ReadonlyMap<string, Record<string, unknown>>;
  // Shots whose last attempt failed, by shot id: the key tried and the error.
  failedBefore?: ReadonlyMap<string, { key: string; error: string }>;
  // Blocked shots will be submitted, and paid for, again.
  resubmitUnconfirmed?: boolean;
}

export function planRender(storyboard: Storyboard, cache: CacheIndex, options: PlanOptions): Plan {
  const firstByKey = new Map<string, string>();
  const shots: PlannedShot[] = storyboard.shots.map((shot) => {
    const key = clipKey(shot, storyboard.model, options.provider);
    const cost = options.provider === "fal" ? shotCost(storyboard.model, shot) : 0;
    const first = firstByKey.get(key);
    if (first === undefined) firstByKey.set(key, shot.id);
    const status = shotStatus(key, shot.id, first !== undefined, cache, options);
    const reason = reasonFor(status, shot, storyboard, options);
    return {
      id: shot.id,
      index: shot.index,
      key,
      status,
      ...(first !== undefined && { duplicate_of: first }),
      ...(reason && { reason }),
      duration: shot.duration,
      audio: shot.audio,
      cost,
    };
  });
  const sum = (list: PlannedShot[]) => sumCosts(list.map((s) => s.cost));
  const unique = shots.filter((s) => s.status !== "duplicate");
  return {
    version: PLAN_VERSION,
    storyboard: storyboard.file,
    output: options.output ?? storyboard.output,
    provider: options.provider,
    model: storyboard.model.endpoint,
    shots,
    cost: {
      currency: "USD",
      film: sum(unique),
      new: sum(unique.filter((s) => paysFor(s.status, options))),
      cached: sum(unique.filter((s) => s.status === "cached")),
      in_flight: sum(unique.filter((s) => s.status === "collect")),
    },
  };
}

function shotStatus(
  key: string,
  id: string,
  duplicate: boolean,
  cache: CacheIndex,
  options: PlanOptions,
): ShotStatus {
  if (duplicate) return "duplicate";
  if (cache.has(key)) return "cached";
  if (options.only && !options.only.has(id)) return "skipped";
  const journaled = cache.journal?.(key);
  if (journaled === "submitted") return "collect";
  if (journaled === "submitting") return "blocked";
  return "generate";
}

// Whether the shot goes to the provider: to be generated, collected from an earlier run's request, or
// refused there with the reason (blocked).
export function isClipJob(status: ShotStatus): boolean {
  return status === "generate" || status === "collect" || status === "blocked";
}

// Whether rendering this shot means a new submit, that is, new spending.
export function paysFor(status: ShotStatus, options: Pick<PlanOptions, "resubmitUnconfirmed">): boolean {
  return status === "generate" || (status === "blocked" && options.resubmitUnconfirmed === true);
}

function reasonFor(
  status: ShotStatus,
  shot: Storyboard["shots"][number],
  storyboard: Storyboard,
  options: PlanOptions,
): string | undefined {
  if (status === "collect") return "submitted by an earlier run: collecting it costs nothing new";
  if (status === "blocked")
    return options.resubmitUnconfirmed
      ? "an earlier submit got no answer: submitting it again (--resubmit-unconfirmed)"
      : "an earlier submit got no answer: render with --resubmit-unconfirmed to submit it again";
  return status === "generate" ? whyGenerate(shot, storyboard, options) : undefined;
}

function whyGenerate(
  shot: Storyboard["shots"][number],
  storyboard: Storyboard,
  options: PlanOptions,
): string | undefined {
  const failed = options.failedBefore?.get(shot.id);
  if (failed && failed.key === clipKey(shot, storyboard.model, options.provider)) {
    const error = failed.error.length > 100 ? `${failed.error.slice(0, 99)}…` : failed.error;
    return `failed last time${error ? `: ${error}` : ""}`;
  }
  if (!options.previous) return undefined;
  const before = options.previous.get(shot.id);
  if (!before) return "new shot";
  const changed = changedFields(
    before,
    keyMaterial(shot, storyboard.model, options.provider),
    storyboard.model,
  );
  if (changed.includes("provider")) return `first ${options.provider} render`;
  return changed.length ? `${changed.join(", ")} changed` : "not in the cache";
}
