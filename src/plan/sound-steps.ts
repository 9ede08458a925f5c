// The film's sound as steps of the graph: a voice-over per shot that has one (text-to-speech) and the music
// bed when it comes from a prompt. Each is keyed by what its model receives, priced, and planned like a still.
import type { CacheIndex } from "../cache/layout.js";
import type { AudioModelSpec } from "../models/audio-types.js";
import { inputFor } from "../models/input-rules.js";
import { keptSeconds } from "../storyboard/shots.js";
import { voiceEstimate } from "../storyboard/sound.js";
import type { Shot, Storyboard } from "../storyboard/types.js";
import { canonicalJson, sha256 } from "../util/hash.js";
import { KEY_FORMAT, PROVIDER_VERSIONS, type ProviderId } from "./key.js";
import type { PlannedStep, StepStatus } from "./steps.js";

// A generated bed is asked for in 30-second steps, so trimming a shot does not change (and re-buy) the music.
const MUSIC_STEP_SECONDS = 30;

export interface SoundJobSpec {
  kind: "voice" | "music";
  model: AudioModelSpec;
  input: Record<string, unknown>;
  // The shot a voice-over belongs to.
  shot?: string;
  // The length asked of a music model.
  seconds?: number;
}

export function voiceInput(shot: Shot): Record<string, unknown> {
  const vo = shot.voiceover!;
  return fill(vo.model, { text: vo.text, voice: vo.voice });
}

export function musicInput(board: Storyboard): Record<string, unknown> {
  const source = board.music!.source;
  if (source.kind !== "prompt") throw new Error("bug: a music file is not generated");
  return fill(source.model, { prompt: source.prompt, seconds: musicSeconds(board, source.model) });
}

// The length asked of the music model: the film's planned length, rounded up to 30 s, within the model's range.
export function musicSeconds(board: Storyboard, model: AudioModelSpec): number {
  const rounded = Math.ceil(plannedFilmSeconds(board) / MUSIC_STEP_SECONDS) * MUSIC_STEP_SECONDS;
  return Math.min(model.max_seconds ?? rounded, Math.max(model.min_seconds ?? 1, rounded));
}

export function plannedFilmSeconds(board: Pick<Storyboard, "shots">): number {
  return board.shots.reduce(
    (t, s, i) => t + keptSeconds(s) - (i > 0 && s.transition.type !== "cut" ? s.transition.duration : 0),
    0,
  );
}

export function soundKey(spec: SoundJobSpec, provider: ProviderId): string {
  return sha256(canonicalJson(soundKeyMaterial(spec, provider)));
}

export function soundKeyMaterial(spec: SoundJobSpec, provider: ProviderId): Record<string, unknown> {
  return {
    key_format: KEY_FORMAT,
    provider: `${provider}@${PROVIDER_VERSIONS[provider]}`,
    endpoint: spec.model.endpoint,
    input: spec.input,
  };
}

// Dollars, rounded up to the cent: a voice-over costs a fraction of one, and the plan never says less than fal bills.
export function soundCost(spec: SoundJobSpec): number {
  const p = spec.model.price;
  const text = String(spec.input[fieldFor(spec.model, "text")] ?? "");
  const seconds = Number(spec.input[fieldFor(spec.model, "seconds")] ?? 0);
  const dollars =
    (p.per_request ?? 0) +
    ((p.per_1000_chars ?? 0) * [...text].length) / 1000 +
    ((p.per_minute ?? 0) * seconds) / 60;
  return Math.ceil(Math.round(dollars * 1e6) / 1e4) / 100;
}

// Every sound step of the storyboard, in film order: voice-overs, then the bed.
export function soundSpecs(board: Storyboard): Array<SoundJobSpec & { id: string; name: string }> {
  const specs: Array<SoundJobSpec & { id: string; name: string }> = board.shots
    .filter((s) => s.voiceover)
    .map((s) => ({
      id: `voice:${s.id}`,
      name: s.id,
      kind: "voice",
      model: s.voiceover!.model,
      input: voiceInput(s),
      shot: s.id,
    }));
  if (board.music?.source.kind === "prompt")
    specs.push({
      id: "music:bed",
      name: "bed",
      kind: "music",
      model: board.music.source.model,
      input: musicInput(board),
      seconds: musicSeconds(board, board.music.source.model),
    });
  return specs;
}

export function planSounds(
  board: Storyboard,
  cache: CacheIndex,
  provider: ProviderId,
  only?: ReadonlySet<string>,
): PlannedStep[] {
  const firstByKey = new Map<string, string>();
  return soundSpecs(board).map((spec) => {
    const key = soundKey(spec, provider);
    const first = firstByKey.get(key);
    if (first === undefined) firstByKey.set(key, spec.name);
    const journaled = cache.journal?.(key);
    const status: StepStatus =
      first !== undefined
        ? "duplicate"
        : cache.has(key)
          ? "cached"
          : only && (!spec.shot || !only.has(spec.shot))
            ? "skipped"
            : journaled === "submitted"
              ? "collect"
              : journaled === "submitting"
                ? "looking up"
                : "generate";
    return {
      id: spec.id,
      kind: spec.kind,
      name: spec.name,
      key,
      status,
      cost: provider === "fal" ? soundCost(spec) : 0,
      ...(first !== undefined && { duplicate_of: first }),
    };
  });
}

// Voice-overs whose text, read at 150 words a minute, would run past the end of their shot.
export function voiceWarnings(board: Storyboard): string[] {
  return board.shots.flatMap((s) => {
    if (!s.voiceover) return [];
    const { words, seconds: estimate } = voiceEstimate(s.voiceover.text);
    const room = keptSeconds(s) - s.voiceover.offset;
    return estimate > room
      ? [
          `shot ${s.id}: its voice-over (${words} words, about ${estimate.toFixed(1)} s) may not fit the ${room.toFixed(1)} s after its offset; shorten the text, lower the offset, or lengthen the shot`,
        ]
      : [];
  });
}

function fill(
  model: AudioModelSpec,
  values: Record<"text" | "voice" | "prompt" | "seconds", unknown> | Record<string, unknown>,
) {
  const input: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(model.input))
    input[name] = "value" in rule ? rule.value : (values as Record<string, unknown>)[rule.from];
  return input;
}

function fieldFor(model: AudioModelSpec, from: string): string {
  return inputFor(model.input, from) ?? "";
}
