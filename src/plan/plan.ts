// Plan stage: a pure function of (storyboard, cache index) that says what a render would do and spend.
import { sumCosts } from "../util/money.js";
import { shotCost } from "../storyboard/model-input.js";
import type { CacheIndex } from "../cache/layout.js";
import type { Storyboard } from "../storyboard/types.js";
import { graphKeys, type GraphKeys } from "./graph-keys.js";
import { clipKey, keyMaterial } from "./key.js";
import { graphEdges, inputsOf, planFrames, planStills, type PlannedStep, waitsFor } from "./steps.js";
import { changedFields } from "./why.js";
import { scaleNote, shadowWarnings, upscaleWarnings } from "./model-notes.js";
import { planSounds, voiceWarnings } from "./sound-steps.js";
import { markUnneededClips, planPasses } from "./pass-steps.js";

export {
  filmClipKey,
  PLAN_VERSION,
  isClipJob,
  paysFor,
  type Plan,
  type PlannedShot,
  type PlannedTake,
  type PlanOptions,
  type ShotStatus,
} from "./plan-types.js";
import {
  isClipJob,
  paysFor,
  PLAN_VERSION,
  type Plan,
  type PlannedShot,
  type PlanOptions,
  type ShotStatus,
} from "./plan-types.js";
import { markUnneeded, stillsNeeded } from "./needed.js";
import { stillTakeStatus, takeChooser } from "./takes.js";

export function planRender(storyboard: Storyboard, cache: CacheIndex, options: PlanOptions): Plan {
  const takes = takeChooser(storyboard, cache, options);
  const keys = graphKeys(
    storyboard,
    options.provider,
    (shot, identity) => clipKey(shot, options.provider, identity),
    takes.choose,
  );
  const stills = planStills(storyboard, keys, cache, {
    provider: options.provider,
    ...(options.previousStills && { previousStills: options.previousStills }),
    ...(options.only && { needed: stillsNeeded(storyboard, options.only) }),
  });
  const frames = planFrames(storyboard, keys, cache);
  const sounds = planSounds(storyboard, cache, options.provider, options.only);
  const made = new Set([...stills, ...frames].filter((s) => s.status === "cached").map((s) => s.id));
  const firstByKey = new Map<string, string>();
  const shots: PlannedShot[] = storyboard.shots.map((shot) => {
    const key = keys.clips.get(shot.id)!;
    const cost = options.provider === "fal" ? shotCost(shot) : 0;
    const first = firstByKey.get(key);
    if (first === undefined) firstByKey.set(key, shot.id);
    const status = shotStatus(key, shot.id, first !== undefined, cache, options);
    const reason = reasonFor(status, shot, options, keys);
    const waits = isClipJob(status)
      ? waitsFor(inputsOf(shot), (i) =>
          made.has(i.kind === "still" ? `still:${i.still}` : `frame:${i.source}`),
        )
      : [];
    const all = takes.list(`shot:${shot.id}`, keys, (k) => shotStatus(k, shot.id, false, cache, options));
    const scaled = options.provider === "fal" ? scaleNote(shot, storyboard) : undefined;
    return {
      id: shot.id,
      index: shot.index,
      key,
      status,
      ...(first !== undefined && { duplicate_of: first }),
      ...(reason && { reason }),
      ...(waits.length > 0 && { waits_for: waits }),
      ...(all && { take: takes.used.get(`shot:${shot.id}`)!, takes: all }),
      model: shot.model.family,
      mode: shot.model.mode,
      endpoint: shot.model.endpoint,
      ...(shot.resolution && { resolution: shot.resolution }),
      ...(scaled && { scaled_up: scaled }),
      duration: shot.duration,
      audio: shot.audio,
      cost,
    };
  });
  const passes = planPasses(storyboard, shots, sounds, cache, {
    provider: options.provider,
    ...(options.only && { only: options.only }),
    choose: (id, base) => {
      keys.base.set(id, base);
      return takes.choose(id, base);
    },
    takes: (id, status) => takes.list(id, keys, status),
    used: takes.used,
  });
  const edges = [...graphEdges(storyboard), ...passes.edges];
  markUnneededClips(shots, passes.steps, sounds, frames, edges);
  markUnneeded(stills, shots, edges);
  for (const still of stills) {
    const refs = storyboard.stills.find((s) => s.name === still.name)!.references;
    const waits =
      still.status === "generate" || still.status === "collect" || still.status === "looking up"
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
  const extra = [...shots, ...stills, ...passes.steps].flatMap((s) =>
    (s.takes ?? []).filter((t) => t.take !== s.take).map((t) => ({ status: t.status, cost: s.cost })),
  );
  const unique = [...shots, ...stills, ...sounds, ...passes.steps].filter((s) => s.status !== "duplicate");
  const warnings = [
    ...takes.lapsed,
    ...voiceWarnings(storyboard),
    ...shadowWarnings(storyboard),
    ...upscaleWarnings(storyboard),
  ];
  return {
    version: PLAN_VERSION,
    storyboard: storyboard.file,
    output: options.output ?? storyboard.output,
    provider: options.provider,
    model: filmModel(storyboard),
    shots,
    steps: [...stills, ...frames, ...sounds, ...shots.map(clipStep), ...passes.steps],
    edges,
    cost: {
      currency: "USD",
      film: sum(unique),
      new: sum([...unique, ...extra].filter((s) => paysFor(s.status as ShotStatus, options))),
      cached: sum(unique.filter((s) => s.status === "cached")),
      in_flight: sum(unique.filter((s) => s.status === "collect" || s.status === "looking up")),
    },
    ...(warnings.length > 0 && { warnings }),
  };
}

// A shot as the graph sees it: its clip step (`plan --json` keeps both lists).
export function clipStep(s: PlannedShot): PlannedStep {
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
  if (journaled === "submitting") return "looking up";
  return "generate";
}

function reasonFor(
  status: ShotStatus,
  shot: Storyboard["shots"][number],
  options: PlanOptions,
  keys: GraphKeys,
): string | undefined {
  if (status === "collect") return "submitted by an earlier run: collecting it costs nothing new";
  if (status === "looking up")
    return options.resubmitUnconfirmed
      ? "an earlier submit got no answer: a render looks for it in fal's request listing, and submits it again if it cannot tell (--resubmit-unconfirmed)"
      : "an earlier submit got no answer: a render looks for it in fal's request listing and collects it (priced as in flight)";
  return status === "generate" ? whyGenerate(shot, options, keys) : undefined;
}

function whyGenerate(
  shot: Storyboard["shots"][number],
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
  const changed = changedFields(before, keyMaterial(shot, options.provider, keys.identity), shot.model).map(
    (field) => upstreamName(field, shot),
  );
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

// The film's model: the endpoint every shot uses, or, when shots differ, their families ("veo-3.1, kling-2.6-pro").
function filmModel(storyboard: Storyboard): string {
  const endpoints = new Set(storyboard.shots.map((s) => s.model.endpoint));
  if (endpoints.size <= 1) return [...endpoints][0] ?? storyboard.model.endpoint;
  return [...new Set(storyboard.shots.map((s) => s.model.family))].join(", ");
}
