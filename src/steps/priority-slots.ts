// `concurrency` slots granted by priority: the step with the longest chain of fal work still behind it goes
// first, so a graph's critical path never waits behind shots nothing depends on. Equal priorities: first come.
import { kindOf } from "./registry.js";

// A freed slot can be held for the step a chain makes next (a frame taken, an image uploaded, then its submit):
// for `ms`, only a step of at least `priority` may take it, so an independent shot does not steal it. The hold
// ends early when `until` settles (that step ended without a slot: an input of it failed).
export interface Hold {
  priority: number;
  ms: number;
  until?: Promise<unknown>;
}

export type Release = (hold?: Hold) => void;

export function prioritySlots(concurrency: number): {
  acquire(priority?: number): Promise<Release>;
  // Ends every hold (the graph is done: nobody is coming for them).
  close(): void;
} {
  let free = concurrency;
  let order = 0;
  const waiting: Array<{ priority: number; order: number; grant: () => void }> = [];
  const held: Array<{ priority: number; timer: NodeJS.Timeout }> = [];
  // Whether a step of this priority may take a free slot now; a held one is used up by taking it.
  const seat = (priority: number): boolean => {
    if (free <= 0) return false;
    if (free > held.length) return true;
    const i = held.findIndex((h) => priority >= h.priority);
    if (i < 0) return false;
    clearTimeout(held[i]!.timer);
    held.splice(i, 1);
    return true;
  };
  const pump = () => {
    while (waiting.length > 0 && seat(waiting[0]!.priority)) {
      free -= 1;
      waiting.shift()!.grant();
    }
  };
  const release = (hold?: Hold) => {
    free += 1;
    if (hold) {
      const lapse = () => {
        const i = held.indexOf(entry);
        if (i < 0) return;
        clearTimeout(entry.timer);
        held.splice(i, 1);
        pump();
      };
      const entry = { priority: hold.priority, timer: setTimeout(lapse, hold.ms) };
      held.push(entry);
      hold.until?.then(lapse, lapse);
    }
    pump();
  };
  return {
    close() {
      for (const h of held.splice(0)) clearTimeout(h.timer);
      pump();
    },
    acquire(priority = 0) {
      return new Promise((resolve) => {
        const grant = () => {
          let released = false;
          resolve((hold?: Hold) => {
            if (released) return;
            released = true;
            release(hold);
          });
        };
        const entry = { priority, order: order++, grant };
        const at = waiting.findIndex((w) => w.priority < priority);
        if (at < 0) waiting.push(entry);
        else waiting.splice(at, 0, entry);
        pump();
      });
    },
  };
}

// How much fal work lies on the longest path from each step to the end of the graph, counting the step
// itself (frames are local, so they count nothing): its priority for a slot.
export function criticalRanks<S extends { id: string; kind: string }>(
  steps: S[],
  edges: Array<{ from: string; to: string }>,
  // Whether this render does the step's work (a cached step's counts nothing).
  made: (step: S) => boolean,
): Map<string, number> {
  const ranks = new Map<string, number>();
  const byId = new Map(steps.map((s) => [s.id, s]));
  const rank = (id: string, seen: Set<string>): number => {
    const known = ranks.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0;
    seen.add(id);
    const below = edges.filter((e) => e.from === id).map((e) => rank(e.to, seen));
    const step = byId.get(id);
    const value = (step && made(step) && kindOf(step.kind).paid ? 1 : 0) + Math.max(0, ...below);
    ranks.set(id, value);
    return value;
  };
  for (const s of steps) rank(s.id, new Set());
  return ranks;
}

export interface StepGraph {
  inputsOf(id: string): readonly string[];
  dependantsOf(id: string): readonly string[];
  // Work at fal (a still, a clip), against a local step (a frame).
  paid(id: string): boolean;
  // This render makes it and it has not started its own work yet.
  toMake(id: string): boolean;
  // Made (or found cached) and usable.
  made(id: string): boolean;
  rank(id: string): number;
}

// The step a slot `from` frees is held for: the highest-ranked paid step still to make that takes from's output,
// directly or through local steps (its last frame), and needs nothing else that is not made yet, so only local
// work (from's download, the frame, the upload) stands between it and its submit. None below rank 2: a hold
// for a step that ranks with the independent shots would keep none of them out.
export function heirOf(from: string, g: StepGraph): string | undefined {
  const soon = (id: string) =>
    id === from || g.made(id) || (!g.paid(id) && g.inputsOf(id).every((i) => i === from || g.made(i)));
  const reached = g.dependantsOf(from).flatMap((d) => (g.paid(d) ? [d] : g.dependantsOf(d)));
  const heirs = reached.filter(
    (h) => g.paid(h) && g.toMake(h) && g.rank(h) >= 2 && g.inputsOf(h).every(soon),
  );
  return heirs.sort((a, b) => g.rank(b) - g.rank(a))[0];
}

// Requests an earlier run submitted are already using the account's concurrency at fal, so they take their
// slots before any new submit does. A collector that ends without a slot (cached meanwhile, failed) is
// counted as seated when its job settles.
export function collectorsFirst(
  shared: { acquire(priority?: number): Promise<Release> },
  collectors: number,
) {
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
    },
    collector: (): { acquire(priority?: number): Promise<Release>; settle(): void } => {
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
