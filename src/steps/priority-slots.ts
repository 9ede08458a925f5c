// `concurrency` slots granted by priority: the step with the longest chain of fal work still behind it goes
// first, so a graph's critical path never waits behind shots nothing depends on. Equal priorities: first come.
import type { Slots } from "../providers/types.js";
import { kindOf } from "./registry.js";

export function prioritySlots(
  concurrency: number,
): Slots & { acquire(priority?: number): Promise<() => void> } {
  let free = concurrency;
  let order = 0;
  const waiting: Array<{ priority: number; order: number; grant: () => void }> = [];
  const release = () => {
    free += 1;
    const next = waiting.shift();
    if (next) {
      free -= 1;
      next.grant();
    }
  };
  return {
    acquire(priority = 0) {
      return new Promise((resolve) => {
        const once = () => {
          let released = false;
          resolve(() => {
            if (released) return;
            released = true;
            release();
          });
        };
        if (free > 0 && waiting.length === 0) {
          free -= 1;
          once();
          return;
        }
        const entry = { priority, order: order++, grant: once };
        const at = waiting.findIndex((w) => w.priority < priority);
        if (at < 0) waiting.push(entry);
        else waiting.splice(at, 0, entry);
      });
    },
  };
}

// How much fal work lies on the longest path from each step to the end of the graph, counting the step
// itself (frames are local, so they count nothing): its priority for a slot.
export function criticalRanks(
  steps: Array<{ id: string; kind: string }>,
  edges: Array<{ from: string; to: string }>,
): Map<string, number> {
  const ranks = new Map<string, number>();
  const kinds = new Map(steps.map((s) => [s.id, s.kind]));
  const rank = (id: string, seen: Set<string>): number => {
    const known = ranks.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0;
    seen.add(id);
    const below = edges.filter((e) => e.from === id).map((e) => rank(e.to, seen));
    const value = (kindOf(kinds.get(id)!).paid ? 1 : 0) + Math.max(0, ...below);
    ranks.set(id, value);
    return value;
  };
  for (const s of steps) rank(s.id, new Set());
  return ranks;
}

// Requests an earlier run submitted are already using the account's concurrency at fal, so they take their
// slots before any new submit does. A collector that ends without a slot (cached meanwhile, failed) is
// counted as seated when its job settles.
export function collectorsFirst(shared: Slots, collectors: number) {
  let seated = 0;
  let allSeated!: () => void;
  const ready = new Promise<void>((resolve) => (allSeated = resolve));
  const seat = () => {
    seated += 1;
    if (seated >= collectors) allSeated();
  };
  if (collectors === 0) allSeated();
  return {
    newcomer: {
      acquire: async (priority?: number) => ready.then(() => shared.acquire(priority)),
    } satisfies Slots,
    collector: (): Slots & { settle(): void } => {
      let done = false;
      const once = () => {
        if (done) return;
        done = true;
        seat();
      };
      return {
        acquire: (priority?: number) => shared.acquire(priority).finally(once),
        settle: once,
      };
    },
  };
}
