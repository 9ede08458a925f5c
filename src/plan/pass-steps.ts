// Lip-sync and upscale passes as steps of the graph: keyed by exactly what each receives (the key of the clip it
// takes, the voice-over's key and where it starts, the target), priced by the pass model's rule, planned like a
// voice-over, and the shot's finished clip (the last pass's output) is what the film uses.
import type { CacheIndex } from "../cache/layout.js";
import { passPayload, passPrice } from "../models/passes.js";
import type { Shot, Storyboard } from "../storyboard/types.js";
import { canonicalJson, sha256 } from "../util/hash.js";
import { KEY_FORMAT, PROVIDER_VERSIONS, type ProviderId } from "./key.js";
import { type PassLink, passChain } from "./pass-chain.js";
import type { PlannedShot, PlannedTake, ShotStatus } from "./plan-types.js";
import type { PlannedStep, StepEdge, StepStatus } from "./steps.js";

export interface PassPlan {
  steps: PlannedStep[];
  edges: StepEdge[];
}

export interface PassPlanOptions {
  provider: ProviderId;
  only?: ReadonlySet<string>;
  // The key of the take a step uses, from its take-1 key; and every take of it, when it has several.
  choose(id: string, base: string): string;
  takes(id: string, status: (key: string) => ShotStatus): PlannedTake[] | undefined;
  used: ReadonlyMap<string, number>;
}

// Adds each shot's passes to its planned shot (`passes`, `finished`, `pass_notes`) and returns their steps.
export function planPasses(
  board: Storyboard,
  shots: PlannedShot[],
  sounds: readonly PlannedStep[],
  cache: CacheIndex,
  o: PassPlanOptions,
): PassPlan {
  const steps: PlannedStep[] = [];
  const edges: StepEdge[] = [];
  const firstByKey = new Map<string, string>();
  for (const planned of shots) {
    const shot = board.shots[planned.index]!;
    const chain = passChain(shot);
    if (chain.notes.length > 0) planned.pass_notes = chain.notes;
    if (chain.links.length === 0) continue;
    const voice = sounds.find((s) => s.id === `voice:${shot.id}`);
    const keyOf = new Map<string, string>([[`shot:${shot.id}`, planned.key]]);
    const statusOf = new Map<string, StepStatus>([[`shot:${shot.id}`, planned.status]]);
    for (const link of chain.links) {
      const base = passKey(passKeyMaterial(link, shot, keyOf.get(link.input)!, voice?.key, o.provider));
      const key = o.choose(link.id, base);
      keyOf.set(link.id, key);
      const first = firstByKey.get(key);
      if (first === undefined) firstByKey.set(key, link.name);
      const status = (k: string) => passStatus(k, shot.id, cache, o.only);
      const own = first !== undefined ? "duplicate" : status(key);
      statusOf.set(link.id, own);
      const all = o.takes(link.id, status);
      const waits = [
        ...(statusOf.get(link.input) !== "cached" ? [link.input] : []),
        ...(link.kind === "lipsync" && voice && voice.status !== "cached" ? [voice.id] : []),
      ];
      const cost = o.provider === "fal" ? (passPrice(link.pass, priceFacts(link, shot)) ?? 0) : 0;
      steps.push({
        id: link.id,
        kind: link.kind,
        name: link.name,
        key,
        status: own,
        cost,
        ...(own !== "cached" && own !== "duplicate" && { reason: reasonFor(link, statusOf, voice) }),
        ...(waits.length > 0 && isMade(own) && { waits_for: waits.map(nameOf) }),
        ...(first !== undefined && { duplicate_of: first }),
        ...(all && { take: o.used.get(link.id)!, takes: all }),
      });
      edges.push({ from: link.input, to: link.id });
      if (link.kind === "lipsync" && voice) edges.push({ from: voice.id, to: link.id });
    }
    planned.passes = chain.links.map((l) => l.id);
    planned.finished = keyOf.get(chain.links.at(-1)!.id)!;
  }
  return { steps, edges };
}

// A clip or pass whose shot's finished clip is cached need not be made (its cache entry was removed, say): the
// film uses the finished clip, so nothing would use it, unless a frame still to be taken is taken from it.
export function markUnneededClips(
  shots: PlannedShot[],
  passes: PlannedStep[],
  sounds: PlannedStep[],
  frames: readonly PlannedStep[],
  edges: readonly StepEdge[],
): void {
  const byId = new Map([...passes, ...sounds].map((s) => [s.id, s]));
  const skip = (s: { status: string; reason?: string }) => {
    if (s.status !== "generate" && s.status !== "looking up") return;
    s.status = "skipped";
    s.reason = "not needed: the shot's finished clip is cached";
  };
  for (const shot of shots) {
    if (!shot.passes) continue;
    const links = shot.passes.map((id) => byId.get(id)!);
    // From the finished clip back: a step is needed while every step after it still has to be made.
    let needed = true;
    for (let i = links.length - 1; i >= 0; i--) {
      if (!needed) skip(links[i]!);
      else if (links[i]!.status === "cached") needed = false;
    }
    // A lip-synced voice-over is heard only through its lip-sync.
    const lipsync = links.find((l) => l.id === `lipsync:${shot.id}`);
    const voice = byId.get(`voice:${shot.id}`);
    if (lipsync && voice && (lipsync.status === "cached" || lipsync.status === "skipped")) skip(voice);
    const frameNeeds = edges.some(
      (e) => e.from === `shot:${shot.id}` && frames.some((f) => f.id === e.to && f.status === "extract"),
    );
    if (!needed && !frameNeeds) skip(shot);
  }
}

// Why it runs, and what upstream is new: "lip-syncs the voice-over with kling-lipsync (the voice-over is new)".
function reasonFor(link: PassLink, statusOf: ReadonlyMap<string, StepStatus>, voice?: PlannedStep): string {
  const input = statusOf.get(link.input)!;
  const upstream = link.input.startsWith("shot:") ? "the clip" : `the ${nameOf(link.input).split(" ")[0]}`;
  const news = [
    ...(isMade(input) ? [`${upstream} is new`] : []),
    ...(link.kind === "lipsync" && voice && isMade(voice.status) ? ["the voice-over is new"] : []),
  ];
  return news.length ? `${link.why} (${news.join(", ")})` : link.why;
}

// What a pass's key hashes: the request it sends, with its clip and voice-over counted by their keys.
export function passKeyMaterial(
  link: PassLink,
  shot: Shot,
  videoKey: string,
  voiceKey: string | undefined,
  provider: ProviderId,
): Record<string, unknown> {
  const lead = voiceLead(shot);
  return {
    key_format: KEY_FORMAT,
    provider: `${provider}@${PROVIDER_VERSIONS[provider]}`,
    endpoint: link.pass.endpoint,
    input: passPayload(link.pass, {
      video: { clip: videoKey },
      ...(link.kind === "lipsync" && { audio: { sound: voiceKey, ...(lead > 0 && { lead }) } }),
      ...(link.height && { height: link.height.name }),
      ...(link.syncMode && { syncMode: link.syncMode }),
    }),
  };
}

export function passKey(material: Record<string, unknown>): string {
  return sha256(canonicalJson(material));
}

// Seconds into the clip where the voice-over starts: its offset into the shot, after the trimmed start.
export function voiceLead(shot: Pick<Shot, "voiceover" | "trim">): number {
  return (shot.trim?.start ?? 0) + (shot.voiceover?.offset ?? 0);
}

// A pass is priced on the whole clip it receives (a trim is applied when stitching, after the pass).
function priceFacts(link: PassLink, shot: Shot) {
  return { seconds: shot.duration, ...(link.height && { height: link.height.name }) };
}

function passStatus(key: string, shot: string, cache: CacheIndex, only?: ReadonlySet<string>): ShotStatus {
  if (cache.has(key)) return "cached";
  if (only && !only.has(shot)) return "skipped";
  const journaled = cache.journal?.(key);
  return journaled === "submitted" ? "collect" : journaled === "submitting" ? "looking up" : "generate";
}

const isMade = (s: StepStatus) => s === "generate" || s === "collect" || s === "looking up";

// "arrival" for its clip, "voice-over arrival", "lip-sync arrival": how waits_for names an input step.
function nameOf(id: string): string {
  const [kind, name] = [id.slice(0, id.indexOf(":")), id.slice(id.indexOf(":") + 1)];
  if (kind === "shot") return name;
  if (kind === "voice") return `voice-over ${name}`;
  return kind === "lipsync" ? `lip-sync ${name}` : `upscale ${name.replace("@", " to ")}`;
}
