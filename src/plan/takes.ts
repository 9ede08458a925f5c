// Takes: how many each step has and which one it uses, and every take's key and status.
import type { CacheIndex } from "../cache/layout.js";
import type { Storyboard } from "../storyboard/types.js";
import type { GraphKeys } from "./graph-keys.js";
import { takeKey } from "./key.js";
import type { PlannedTake, PlanOptions, ShotStatus } from "./plan-types.js";

// Takes: how many each step has (the storyboard's `takes`, or more from retakes in the lock) and which one
// it uses: the lock's take while the lock still describes this step, else the first take in the cache, else 1.
export function takeChooser(storyboard: Storyboard, cache: CacheIndex, options: PlanOptions) {
  const asked = new Map<string, number>([
    ...storyboard.stills.map((s) => [`still:${s.name}`, s.takes] as const),
    ...storyboard.shots.map((s) => [`shot:${s.id}`, s.takes] as const),
  ]);
  const locked = new Map((options.lock?.steps ?? []).map((s) => [s.id, s]));
  const count = (id: string) => Math.max(asked.get(id) ?? 1, locked.get(id)?.takes ?? 1);
  const used = new Map<string, number>();
  const choose = (id: string, base: string): string => {
    const n = count(id);
    const lock = locked.get(id);
    let take = 1;
    if (n === 1) take = 1;
    else if (lock && lock.take <= n && takeKey(base, lock.take) === lock.key) take = lock.take;
    else for (let k = n; k >= 1; k--) if (cache.has(takeKey(base, k))) take = k;
    used.set(id, take);
    return takeKey(base, take);
  };
  const list = (
    id: string,
    keys: GraphKeys,
    status: (key: string) => ShotStatus,
  ): PlannedTake[] | undefined => {
    const n = count(id);
    if (n <= 1) return undefined;
    const base = keys.base.get(id)!;
    return Array.from({ length: n }, (_, i) => ({
      take: i + 1,
      key: takeKey(base, i + 1),
      status: status(takeKey(base, i + 1)),
    }));
  };
  return { choose, list, used };
}

export function stillTakeStatus(key: string, cache: CacheIndex, options: PlanOptions): ShotStatus {
  if (cache.has(key)) return "cached";
  const journaled = cache.journal?.(key);
  if (journaled === "submitted") return "collect";
  if (journaled === "submitting") return "looking up";
  return options.only ? "skipped" : "generate";
}
