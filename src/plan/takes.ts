// Takes: how many each step has and which one it uses, and every take's key and status.
import type { CacheIndex } from "../cache/layout.js";
import type { Storyboard } from "../storyboard/types.js";
import type { GraphKeys } from "./graph-keys.js";
import { takeKey } from "./key.js";
import type { PlannedTake, PlanOptions, ShotStatus } from "./plan-types.js";

// Takes: how many each step has (the storyboard's `takes`, or more from retakes in the lock) and which one
// it uses: the lock's take while the lock still describes this step, else the first take in the cache, else 1.
// Retakes and a pick belong to the version of the step they were made for: once the step (or a still above it)
// changes, it has the storyboard's `takes` again, and a pick lapses with a warning.
export function takeChooser(storyboard: Storyboard, cache: CacheIndex, options: PlanOptions) {
  const asked = new Map<string, number>([
    ...storyboard.stills.map((s) => [`still:${s.name}`, s.takes] as const),
    ...storyboard.shots.map((s) => [`shot:${s.id}`, s.takes] as const),
  ]);
  const locked = new Map((options.lock?.steps ?? []).map((s) => [s.id, s]));
  // The lock's entry when it is of this version of the step: its take's key is a take of this step's key.
  const current = (id: string, base: string) => {
    const lock = locked.get(id);
    return lock && lock.take <= lock.takes && takeKey(base, lock.take) === lock.key ? lock : undefined;
  };
  const count = (id: string, base: string) => Math.max(asked.get(id) ?? 1, current(id, base)?.takes ?? 1);
  const used = new Map<string, number>();
  const lapsed: string[] = [];
  const choose = (id: string, base: string): string => {
    const n = count(id, base);
    const lock = current(id, base);
    let take = 1;
    if (n === 1) take = 1;
    else if (lock && lock.take <= n) take = lock.take;
    else for (let k = n; k >= 1; k--) if (cache.has(takeKey(base, k))) take = k;
    used.set(id, take);
    const old = locked.get(id);
    if (!lock && old?.picked && options.lock?.provider === options.provider)
      lapsed.push(
        `${id}: take ${old.take} was picked for an earlier version (the ${id.startsWith("still:") ? "still" : "shot"} or a still it is made from changed since), so the pick lapsed; it uses take ${take}${n > 1 ? ` of ${n}` : ""} now`,
      );
    return takeKey(base, take);
  };
  const list = (
    id: string,
    keys: GraphKeys,
    status: (key: string) => ShotStatus,
  ): PlannedTake[] | undefined => {
    const base = keys.base.get(id)!;
    const n = count(id, base);
    if (n <= 1) return undefined;
    return Array.from({ length: n }, (_, i) => ({
      take: i + 1,
      key: takeKey(base, i + 1),
      status: status(takeKey(base, i + 1)),
    }));
  };
  return { choose, list, used, lapsed };
}

export function stillTakeStatus(key: string, cache: CacheIndex, options: PlanOptions): ShotStatus {
  if (cache.has(key)) return "cached";
  const journaled = cache.journal?.(key);
  if (journaled === "submitted") return "collect";
  if (journaled === "submitting") return "looking up";
  return options.only ? "skipped" : "generate";
}
