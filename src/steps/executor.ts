// The one executor: every step of the plan's graph (stills, edits, frames, clips, voice-overs, a bed) is run
// by its kind (steps/registry.ts) once its inputs exist, at most `concurrency` at fal at a time. A step is made
// once however many steps use it, and a failed input blocks only its dependants.
import type { RemoteCache } from "../cache/remote/remote-cache.js";
import type { Plan } from "../plan/plan.js";
import type { PlannedStep } from "../plan/steps.js";
import type { StepProvider, ProviderContext, StepUpdate } from "../providers/types.js";
import { kindOf } from "./registry.js";
import type { RetryPolicy } from "./retry.js";
import type { ClipOutcome, Made, StepOutcome, StepRun } from "./kind.js";
import type { Storyboard } from "../storyboard/types.js";
import { collectorsFirst, criticalRanks, heirOf, prioritySlots, type StepGraph } from "./priority-slots.js";

export type { ClipOutcome, StepOutcome } from "./kind.js";

export interface ShotEvent extends StepUpdate {
  time: number;
  // The step's label: a shot's id ("arrival take 2"), "still keeper", "voice-over arrival".
  shot: string;
  // Shots sharing this clip (duplicates), first one first.
  shots: string[];
  key: string;
}

export interface GenerateOptions {
  plan: Plan;
  storyboard: Storyboard;
  provider: StepProvider;
  context: Omit<ProviderContext, "update" | "slots">;
  concurrency: number;
  retry?: RetryPolicy;
  onEvent: (event: ShotEvent) => void;
  // A shared cache: read-through, claims and write-through around every paid step.
  remote?: RemoteCache;
  // Each still, frame and sound the render made, found cached, or could not make.
  onStep?: (outcome: StepOutcome) => void;
}

// The longest a freed slot waits for the chain's next step (its parent downloaded, its frame taken and
// uploaded) before anyone may take it; it is held only while nothing else that step needs is at fal.
const HOLD_MS = 1000;

const MAKES = new Set(["generate", "collect", "looking up", "extract"]);

// Returns each clip's outcome (the takes the films use first, then the other takes).
export async function runGraph(o: GenerateOptions): Promise<ClipOutcome[]> {
  const steps = new Map(o.plan.steps.map((s) => [s.id, s]));
  // Only the work this render does counts toward a step's rank: a cached step is never waited on.
  const ranks = criticalRanks(o.plan.steps, o.plan.edges, (s) => MAKES.has(s.status));
  const inputsOf = new Map<string, string[]>();
  const dependantsOf = new Map<string, string[]>();
  for (const e of o.plan.edges) {
    inputsOf.set(e.to, [...(inputsOf.get(e.to) ?? []), e.from]);
    dependantsOf.set(e.from, [...(dependantsOf.get(e.from) ?? []), e.to]);
  }
  // The steps this render makes, and every other take of them still to make (a variant with its own key).
  const roots = o.plan.steps.filter((s) => MAKES.has(s.status) && !s.duplicate_of);
  const variants = o.plan.steps.flatMap((s) => {
    const { take, takes } = kindOf(s.kind).takesOf?.(s, o.plan) ?? s;
    return s.duplicate_of
      ? []
      : (takes ?? [])
          .filter((t) => t.take !== take && MAKES.has(t.status))
          .map((t): PlannedStep => {
            const { takes: _, take: __, ...base } = s;
            return {
              ...base,
              id: `${s.id}#${t.take}`,
              name: `${s.name} take ${t.take}`,
              key: t.key,
              status: t.status,
            };
          });
  });
  // Requests an earlier run submitted are already using the account's concurrency at fal: they are seated first.
  const slots = prioritySlots(o.concurrency);
  const seating = collectorsFirst(slots, roots.filter((s) => s.status === "collect").length);
  const collectors = new Map(
    roots.filter((s) => s.status === "collect").map((s) => [s.id, seating.collector()]),
  );
  const made = new Map<string, Promise<Made>>();
  const usable = new Set<string>();
  const graph: StepGraph = {
    inputsOf: (id) => inputsOf.get(id) ?? [],
    dependantsOf: (id) => dependantsOf.get(id) ?? [],
    paid: (id) => kindOf(steps.get(id)!.kind).paid,
    toMake: (id) => MAKES.has(steps.get(id)!.status) && !steps.get(id)!.duplicate_of && !usable.has(id),
    made: (id) => usable.has(id),
    rank: (id) => ranks.get(id) ?? 0,
  };
  const run: StepRun = {
    plan: o.plan,
    storyboard: o.storyboard,
    provider: o.provider,
    context: o.context,
    ...(o.retry && { retry: o.retry }),
    ...(o.remote && { remote: o.remote }),
    slots: (step) => {
      const rank = ranks.get(step.id.split("#")[0]!) ?? 0;
      const seat = collectors.get(step.id) ?? seating.newcomer;
      // The slot it frees is held a moment for the chain's next step, when only local work stands before that
      // step (heirOf). Collectors hold nothing (nobody new starts before they all have their slots), and
      // another take of a shot feeds no frame.
      const hold = () => {
        const heir = collectors.has(step.id) || step.id.includes("#") ? undefined : heirOf(step.id, graph);
        return heir ? { priority: graph.rank(heir), ms: HOLD_MS, until: made.get(heir) } : undefined;
      };
      return {
        acquire: async () =>
          (
            (release) => () =>
              release(hold())
          )(await seat.acquire(rank)),
      };
    },
    update: (label, key, shots, u) =>
      o.onEvent({ time: o.context.clock.now(), shot: label, shots, key, ...u }),
    labelOf: (step) => kindOf(step.kind).label(step.name),
    outcome: (outcome) => o.onStep?.(outcome),
    clip: (outcome) => clipOutcomes.set(outcome.key, outcome),
    need,
  };
  const clipOutcomes = new Map<string, ClipOutcome>();

  function need(id: string): Promise<Made> {
    const step = steps.get(id)!;
    // A step with another's key is that step: "still:copy" is made as "still:keeper".
    if (step.duplicate_of) return need(`${id.slice(0, id.indexOf(":"))}:${step.duplicate_of}`);
    let result = made.get(id);
    if (!result) {
      result = MAKES.has(step.status) ? start(step) : kindOf(step.kind).cachedInput(step, run);
      made.set(id, result);
      void result.then(
        (m) => m.ok && usable.add(id),
        () => undefined,
      );
    }
    return result;
  }

  async function start(step: PlannedStep): Promise<Made> {
    const kind = kindOf(step.kind);
    const collector = collectors.get(step.id);
    const ids = inputsOf.get(step.id.split("#")[0]!) ?? [];
    try {
      // A collector that waits for inputs gives up its place first, so the steps making them are not held
      // back behind it (they queue behind collectors).
      if (ids.length > 0) collector?.settle();
      const inputs = new Map(await Promise.all(ids.map(async (i) => [i, await need(i)] as const)));
      return await kind.run(step, inputs, run);
    } finally {
      collector?.settle();
    }
  }

  const all = [...roots, ...variants];
  // Every step is announced in the plan's order before any starts (a frame would start its shot first).
  for (const step of all) kindOf(step.kind).started?.(step, run);
  try {
    await Promise.all(all.map((step) => (step.id.includes("#") ? start(step) : need(step.id))));
  } finally {
    // A slot still held for a chain's next step is let go: the render is over, nothing waits.
    slots.close();
  }
  // In the plan's order, so messages name failed shots as the storyboard lists them.
  return all.map((s) => clipOutcomes.get(s.key)).filter((c): c is ClipOutcome => c !== undefined);
}
