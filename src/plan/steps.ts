// The plan's graph: a step per still, frame and clip, its status and cost, what it waits for, and why it
// must be made again when something upstream changed.
import type { CacheIndex } from "../cache/layout.js";
import { shotImages, type ImageRef, type Shot, type Still, type Storyboard } from "../storyboard/types.js";
import type { GraphKeys } from "./graph-keys.js";
import { stillKeyMaterial } from "./graph-keys.js";
import type { ProviderId } from "./key.js";
import { stillCost } from "./still-input.js";

export type StepKind = "still" | "edit" | "frame" | "clip" | "voice" | "music" | "lipsync" | "upscale";
export type StepStatus =
  | "cached"
  | "generate"
  | "collect"
  | "looking up"
  | "duplicate"
  | "skipped"
  | "extract";

export interface PlannedStep {
  // "still:keeper", "frame:lamp@last", "shot:arrival", "voice:arrival" or "music:bed".
  id: string;
  kind: StepKind;
  name: string;
  key: string;
  status: StepStatus;
  cost: number;
  reason?: string;
  // Inputs not made yet, by name: the step starts once they exist.
  waits_for?: string[];
  duplicate_of?: string;
  // With several takes: the take used (its key is `key`), and every take with its status.
  take?: number;
  takes?: Array<{ take: number; key: string; status: StepStatus }>;
}

export interface StepEdge {
  from: string;
  to: string;
}

export interface StillPlanOptions {
  provider: ProviderId;
  previousStills?: ReadonlyMap<string, Record<string, unknown>>;
  // Stills that an --only shot needs; the others are left alone.
  needed?: ReadonlySet<string>;
}

export function stepId(image: ImageRef): string | undefined {
  if (image.kind === "still") return `still:${image.still}`;
  if (image.kind === "frame") return `frame:${image.source}`;
  return undefined;
}

export function inputsOf(shot: Shot): ImageRef[] {
  return shotImages(shot).filter((i) => !!stepId(i));
}

export function planStills(
  board: Storyboard,
  keys: GraphKeys,
  cache: CacheIndex,
  options: StillPlanOptions,
): PlannedStep[] {
  const firstByKey = new Map<string, string>();
  return board.stills.map((still) => {
    const key = keys.stills.get(still.name)!;
    const first = firstByKey.get(key);
    if (first === undefined) firstByKey.set(key, still.name);
    const status: StepStatus =
      first !== undefined
        ? "duplicate"
        : cache.has(key)
          ? "cached"
          : options.needed && !options.needed.has(still.name)
            ? "skipped"
            : journalStatus(cache, key);
    const reason = status === "generate" ? stillReason(still, keys, options) : undefined;
    return {
      id: `still:${still.name}`,
      kind: still.references.length > 0 ? "edit" : "still",
      name: still.name,
      key,
      status,
      cost: options.provider === "fal" ? stillCost(still) : 0,
      ...(reason && { reason }),
      ...(first !== undefined && { duplicate_of: first }),
    };
  });
}

// Frames are taken locally from a clip, so they cost nothing; they are kept in the cache once taken.
export function planFrames(board: Storyboard, keys: GraphKeys, cache: CacheIndex): PlannedStep[] {
  const frames = board.shots
    .flatMap(shotImages)
    .filter((i): i is Extract<ImageRef, { kind: "frame" }> => i?.kind === "frame");
  const seen = new Set<string>();
  const steps: PlannedStep[] = [];
  for (const image of frames) {
    if (seen.has(image.source)) continue;
    seen.add(image.source);
    const key = keys.frames.get(image.source)!;
    steps.push({
      id: `frame:${image.source}`,
      kind: "frame",
      name: image.source,
      key,
      status: cache.has(key) ? "cached" : "extract",
      cost: 0,
    });
  }
  return steps;
}

// Each edge runs from an input to the step that uses it: still → edit, still → clip, clip → frame → clip.
export function graphEdges(board: Storyboard): StepEdge[] {
  const edges: StepEdge[] = [];
  for (const still of board.stills)
    for (const ref of still.references)
      if (ref.kind === "still") edges.push({ from: `still:${ref.still}`, to: `still:${still.name}` });
  const frames = new Set<string>();
  for (const shot of board.shots)
    for (const image of inputsOf(shot)) {
      edges.push({ from: stepId(image)!, to: `shot:${shot.id}` });
      if (image.kind === "frame" && !frames.has(image.source)) {
        frames.add(image.source);
        edges.push({ from: `shot:${image.from}`, to: `frame:${image.source}` });
      }
    }
  return edges;
}

// What a step waits for: the names of its inputs that are not made yet ("keeper", or "lamp" for its frame).
export function waitsFor(inputs: ImageRef[], made: (image: ImageRef) => boolean): string[] {
  const names = inputs
    .filter((i) => !made(i))
    .map((i) => (i.kind === "still" ? i.still : i.kind === "frame" ? i.from : i.source));
  return [...new Set(names)];
}

function journalStatus(cache: CacheIndex, key: string): StepStatus {
  const journaled = cache.journal?.(key);
  return journaled === "submitted" ? "collect" : journaled === "submitting" ? "looking up" : "generate";
}

// "new still", or what changed since the still was last made: its prompt, size or model, or a still it edits.
function stillReason(still: Still, keys: GraphKeys, options: StillPlanOptions): string | undefined {
  if (!options.previousStills) return undefined;
  const before = options.previousStills.get(still.name);
  if (!before) return "new still";
  const now = stillKeyMaterial(still, options.provider, keys.identity);
  const changed: string[] = [];
  if (JSON.stringify(before.provider) !== JSON.stringify(now.provider))
    return `first ${options.provider} render`;
  if (JSON.stringify(before.endpoint) !== JSON.stringify(now.endpoint)) changed.push("model");
  const a = (before.input ?? {}) as Record<string, unknown>;
  const b = now.input as Record<string, unknown>;
  for (const [name, rule] of Object.entries(still.model.input)) {
    if (JSON.stringify(a[name]) === JSON.stringify(b[name])) continue;
    if ("value" in rule) changed.push(name);
    else if (rule.from !== "references") changed.push(rule.from);
    else {
      const old = JSON.stringify(a[name] ?? []);
      const upstream = still.references
        .filter((r) => r.kind === "still" && !old.includes(keys.stills.get(r.still)!))
        .map((r) => `still ${(r as { still: string }).still}`);
      changed.push(...(upstream.length ? upstream : ["references"]));
    }
  }
  return changed.length ? `${[...new Set(changed)].join(", ")} changed` : "not in the cache";
}
