// Plan stage: a pure function of (storyboard, cache index) that says what a render would do and spend.
import { roundCents, shotCost } from "../models/input.js";
import type { Storyboard } from "../storyboard/types.js";
import { clipKey, type ProviderId } from "./key.js";

export const PLAN_VERSION = 1;

export interface CacheIndex {
  has(key: string): boolean;
}

export type ShotStatus = "cached" | "generate" | "duplicate" | "skipped";

export interface PlannedShot {
  id: string;
  index: number;
  key: string;
  status: ShotStatus;
  duplicate_of?: string;
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
  cost: { currency: "USD"; film: number; new: number; cached: number };
}

export interface PlanOptions {
  provider: ProviderId;
  // With --only, shots outside this set are never generated (they must already be cached).
  only?: ReadonlySet<string>;
  output?: string;
}

export function planRender(storyboard: Storyboard, cache: CacheIndex, options: PlanOptions): Plan {
  const firstByKey = new Map<string, string>();
  const shots: PlannedShot[] = storyboard.shots.map((shot) => {
    const key = clipKey(shot, storyboard.model, options.provider);
    const cost = options.provider === "fal" ? shotCost(storyboard.model, shot) : 0;
    const first = firstByKey.get(key);
    if (first === undefined) firstByKey.set(key, shot.id);
    const status: ShotStatus =
      first !== undefined ? "duplicate" : cache.has(key) ? "cached" : options.only && !options.only.has(shot.id) ? "skipped" : "generate";
    return { id: shot.id, index: shot.index, key, status, ...(first !== undefined && { duplicate_of: first }), duration: shot.duration, audio: shot.audio, cost };
  });
  const sum = (list: PlannedShot[]) => roundCents(list.reduce((total, s) => total + s.cost, 0));
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
      new: sum(unique.filter((s) => s.status === "generate")),
      cached: sum(unique.filter((s) => s.status === "cached")),
    },
  };
}
