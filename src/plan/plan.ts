// Plan stage: a pure function of (storyboard, cache index) that says what a render would do and spend.
import { sumCosts } from "../util/money.js";
import { shotCost } from "./model-input.js";
import type { CacheIndex } from "../cache/layout.js";
import type { Storyboard } from "../storyboard/types.js";
import { graphKeys, type GraphKeys } from "./graph-keys.js";
import { clipKey, keyMaterial, type ProviderId, takeKey } from "./key.js";
import type { Lockfile } from "../cache/lockfile.js";
import {
  graphEdges,
  inputsOf,
  planFrames,
  planStills,
  type PlannedStep,
  type StepEdge,
  waitsFor,
} from "./steps.js";
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
  // Stills or frames this shot's clip needs that are not made yet: it starts once they exist.
  waits_for?: string[];
  // With several takes: the take the film uses (its key is `key`), and every take with its status.
  take?: number;
  takes?: PlannedTake[];
  duration: number;
  audio: boolean;
  cost: number;
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

export function planRender(storyboard: Storyboard, cache: CacheIndex, options: PlanOptions): Plan {
  const { model } = storyboard;
  const takes = takeChooser(storyboard, cache, options);
  const keys = graphKeys(
    storyboard,
    options.provider,
    (shot, identity) => clipKey(shot, model, options.provider, identity),
    takes.choose,
  );
  const stills = planStills(storyboard, keys, cache, {
    provider: options.provider,
    ...(options.previousStills && { previousStills: options.previousStills }),
    ...(options.only && { needed: stillsNeeded(storyboard, options.only) }),
  });
  const frames = planFrames(storyboard, keys, cache);
  const made = new Set([...stills, ...frames].filter((s) => s.status === "cached").map((s) => s.id));
  const firstByKey = new Map<string, string>();
  const shots: PlannedShot[] = storyboard.shots.map((shot) => {
    const key = keys.clips.get(shot.id)!;
    const cost = options.provider === "fal" ? shotCost(model, shot) : 0;
    const first = firstByKey.get(key);
    if (first === undefined) firstByKey.set(key, shot.id);
    const status = shotStatus(key, shot.id, first !== undefined, cache, options);
    const reason = reasonFor(status, shot, storyboard, options, keys);
    const waits = isClipJob(status)
      ? waitsFor(inputsOf(shot), (i) =>
          made.has(i.kind === "still" ? `still:${i.still}` : `frame:${i.source}`),
        )
      : [];
    const all = takes.list(`shot:${shot.id}`, keys, (k) => shotStatus(k, shot.id, false, cache, options));
    return {
      id: shot.id,
      index: shot.index,
      key,
      status,
      ...(first !== undefined && { duplicate_of: first }),
      ...(reason && { reason }),
      ...(waits.length > 0 && { waits_for: waits }),
      ...(all && { take: takes.used.get(`shot:${shot.id}`)!, takes: all }),
      duration: shot.duration,
      audio: shot.audio,
      cost,
    };
  });
  const edges = graphEdges(storyboard);
  markUnneeded(stills, shots, edges);
  for (const still of stills) {
    const refs = storyboard.stills.find((s) => s.name === still.name)!.references;
    const waits =
      still.status === "generate" || still.status === "collect" || still.status === "blocked"
        ? waitsFor(
            refs.filter((r) => r.kind === "still"),
            (r) => made.has(`still:${(r as { still: string }).still}`),
          )
        : [];
    if (waits.length > 0) still.waits_for = waits;
  }
  for (const frame of frames) {
    const from = frame.name.split("@")[0]!;
    const source = shots.find((s) => s.id === from);
    const users = edges
      .filter((e) => e.from === frame.id)
      .map((e) => shots.find((s) => `shot:${s.id}` === e.to));
    // Taken only for a clip this render makes (--only may leave every user out).
    if (frame.status === "extract" && !users.some((u) => u && isClipJob(u.status))) frame.status = "skipped";
    else if (frame.status !== "cached" && source?.status !== "cached") frame.waits_for = [from];
  }
  for (const still of stills) {
    const all = takes.list(still.id, keys, (k) => stillTakeStatus(k, cache, options));
    if (all) Object.assign(still, { take: takes.used.get(still.id)!, takes: all });
  }
  const sum = (list: Array<{ cost: number }>) => sumCosts(list.map((s) => s.cost));
  // Every take the render will submit is new spending: the used one is the step itself, the others extra.
  const extra = [...shots, ...stills].flatMap((s) =>
    (s.takes ?? []).filter((t) => t.take !== s.take).map((t) => ({ status: t.status, cost: s.cost })),
  );
  const unique = [...shots, ...stills].filter((s) => s.status !== "duplicate");
  return {
    version: PLAN_VERSION,
    storyboard: storyboard.file,
    output: options.output ?? storyboard.output,
    provider: options.provider,
    model: model.endpoint,
    shots,
    steps: [...stills, ...frames, ...shots.map(clipStep)],
    edges,
    cost: {
      currency: "USD",
      film: sum(unique),
      new: sum([...unique, ...extra].filter((s) => paysFor(s.status as ShotStatus, options))),
      cached: sum(unique.filter((s) => s.status === "cached")),
      in_flight: sum(unique.filter((s) => s.status === "collect")),
    },
  };
}

function clipStep(s: PlannedShot): PlannedStep {
  return {
    id: `shot:${s.id}`,
    kind: "clip",
    name: s.id,
    key: s.key,
    status: s.status,
    cost: s.cost,
    ...(s.reason && { reason: s.reason }),
    ...(s.waits_for && { waits_for: s.waits_for }),
    ...(s.duplicate_of && { duplicate_of: s.duplicate_of }),
  };
}

// Takes: how many each step has (the storyboard's `takes`, or more from retakes in the lock) and which one
// it uses: the lock's take while the lock still describes this step, else the first take in the cache, else 1.
function takeChooser(storyboard: Storyboard, cache: CacheIndex, options: PlanOptions) {
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

function stillTakeStatus(key: string, cache: CacheIndex, options: PlanOptions): ShotStatus {
  if (cache.has(key)) return "cached";
  const journaled = cache.journal?.(key);
  if (journaled === "submitted") return "collect";
  if (journaled === "submitting") return "blocked";
  return options.only ? "skipped" : "generate";
}

// A still whose every shot is cached (its cache entry was removed, say) is not made again: nothing needs it.
// A still no shot uses at all is made, since the storyboard asks for it.
function markUnneeded(stills: PlannedStep[], shots: PlannedShot[], edges: StepEdge[]): void {
  const jobs = new Set(
    shots
      .filter((s) => isClipJob(s.status) || (s.takes ?? []).some((t) => isClipJob(t.status)))
      .map((s) => `shot:${s.id}`),
  );
  const users = (id: string, seen = new Set<string>()): string[] =>
    edges
      .filter((e) => e.from === id && !seen.has(e.to) && seen.add(e.to))
      .flatMap((e) => (e.to.startsWith("shot:") ? [e.to] : users(e.to, seen)));
  for (const still of stills) {
    if (still.status !== "generate" && still.status !== "blocked") continue;
    const using = users(still.id);
    if (using.length > 0 && !using.some((u) => jobs.has(u))) {
      still.status = "skipped";
      still.reason = "not needed: every shot that uses it is cached";
    }
  }
}

// The stills that the shots named by --only need, directly or through the stills they edit.
function stillsNeeded(storyboard: Storyboard, only: ReadonlySet<string>): Set<string> {
  const needed = new Set<string>();
  const byName = new Map(storyboard.stills.map((s) => [s.name, s]));
  const add = (name: string) => {
    if (needed.has(name)) return;
    needed.add(name);
    for (const r of byName.get(name)?.references ?? []) if (r.kind === "still") add(r.still);
  };
  for (const shot of storyboard.shots)
    if (only.has(shot.id)) for (const i of inputsOf(shot)) if (i.kind === "still") add(i.still);
  return needed;
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
  keys: GraphKeys,
): string | undefined {
  if (status === "collect") return "submitted by an earlier run: collecting it costs nothing new";
  if (status === "blocked")
    return options.resubmitUnconfirmed
      ? "an earlier submit got no answer: submitting it again (--resubmit-unconfirmed)"
      : "an earlier submit got no answer: render with --resubmit-unconfirmed to submit it again";
  return status === "generate" ? whyGenerate(shot, storyboard, options, keys) : undefined;
}

function whyGenerate(
  shot: Storyboard["shots"][number],
  storyboard: Storyboard,
  options: PlanOptions,
  keys: GraphKeys,
): string | undefined {
  const failed = options.failedBefore?.get(shot.id);
  if (failed && failed.key === keys.clips.get(shot.id)) {
    const error = failed.error.length > 100 ? `${failed.error.slice(0, 99)}…` : failed.error;
    return `failed last time${error ? `: ${error}` : ""}`;
  }
  if (!options.previous) return undefined;
  const before = options.previous.get(shot.id);
  if (!before) return "new shot";
  const changed = changedFields(
    before,
    keyMaterial(shot, storyboard.model, options.provider, keys.identity),
    storyboard.model,
  ).map((field) => upstreamName(field, shot));
  if (changed.includes("provider")) return `first ${options.provider} render`;
  return changed.length ? `${changed.join(", ")} changed` : "not in the cache";
}

// A changed image that another step makes is named by that step: "still keeper", "start frame from lamp".
function upstreamName(field: string, shot: Storyboard["shots"][number]): string {
  const image = field === "image" ? shot.image : field === "end_image" ? shot.endImage : undefined;
  if (image?.kind === "still") return `still ${image.still}`;
  if (image?.kind === "frame") return `${field === "image" ? "start" : "end"} frame from ${image.from}`;
  return field;
}
