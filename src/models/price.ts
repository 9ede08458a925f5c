// Prices as expressions (a model file's `price`): evaluated for a clip, and said in words.
import { inputFor } from "./input-rules.js";
import { framesSent, resolutionOf } from "./modes.js";
import type { ModeName, ModelSpec, PriceCondition, PriceExpression, PriceRule } from "./types.js";

export interface ClipFacts {
  // A pass (lip-sync, upscale) has none.
  mode?: ModeName;
  seconds: number;
  audio: boolean;
  voice?: boolean;
  resolution?: string;
  // Output width and height, and frame rate (per-megapixel prices).
  size?: [number, number];
  fps?: number;
  // The frames the request asks for, where it asks in frames (else seconds x fps, rounded up).
  frames?: number;
}

// Dollars for one clip, rounded up to the cent (the plan never under-estimates); undefined when no rule applies.
export function clipPrice(price: PriceExpression, facts: ClipFacts): number | undefined {
  const rule = price.rules.find((r) => holds(r.when, facts));
  if (!rule) return undefined;
  const base = ruleAmount(rule, facts);
  if (base === undefined) return undefined;
  const factor = (price.multipliers ?? []).filter((m) => holds(m.when, facts)).reduce((a, m) => a * m.by, 1);
  const cost = Math.ceil(base * factor * 100 - 1e-6) / 100;
  return Number.isFinite(cost) ? cost : undefined;
}

function holds(when: PriceCondition | undefined, f: ClipFacts): boolean {
  if (!when) return true;
  if (when.audio !== undefined && when.audio !== f.audio) return false;
  if (when.voice !== undefined && when.voice !== (f.voice ?? false)) return false;
  if (when.resolution && !(f.resolution && when.resolution.includes(f.resolution))) return false;
  if (when.mode && !(f.mode && when.mode.includes(f.mode))) return false;
  if (when.seconds_at_most !== undefined && f.seconds > when.seconds_at_most) return false;
  return true;
}

function ruleAmount(r: PriceRule, f: ClipFacts): number | undefined {
  if (r.per_second !== undefined) return r.per_second * f.seconds;
  if (r.per_clip !== undefined) return r.per_clip;
  if (r.base !== undefined) return r.base + r.per_extra_second! * Math.max(0, f.seconds - r.base_seconds!);
  if (r.per_block !== undefined) return r.per_block * Math.ceil(f.seconds / r.block_seconds! - 1e-9);
  if (r.per_megapixel !== undefined) {
    if (!f.size || !f.fps) return undefined;
    const frames = f.frames ?? Math.ceil(f.seconds * f.fps);
    return r.per_megapixel * Math.ceil((f.size[0] * f.size[1] * frames) / 1e6);
  }
  return undefined;
}

// The facts a model knows for a clip of `seconds` at `resolution` (its default when absent).
export function clipFacts(
  model: ModelSpec,
  shot: { duration: number; audio: boolean; resolution?: string | undefined },
): ClipFacts {
  const resolution = resolutionOf(model, shot.resolution);
  const size = resolution ? model.sizes?.[resolution] : undefined;
  return {
    mode: model.mode,
    seconds: shot.duration,
    audio: shot.audio,
    ...(resolution && { resolution }),
    ...(size && { size }),
    ...(model.fps && { fps: model.fps }),
    ...(sentInFrames(model) && { frames: framesSent(shot.duration, model.fps) }),
  };
}

function sentInFrames(model: ModelSpec): boolean {
  return model.input[inputFor(model.input, "duration") ?? ""]?.as === "frames";
}

// "$0.14/s with audio; $0.07/s without audio".
export function priceInWords(price: PriceExpression): string {
  const rules = price.rules.map((r) => [amountText(r), conditionText(r.when)].filter(Boolean).join(" "));
  const times = (price.multipliers ?? []).map((m) => `×${m.by} ${conditionText(m.when)}`);
  return [...rules, ...times].join("; ");
}

function amountText(r: PriceRule): string {
  if (r.per_second !== undefined) return `${money(r.per_second)}/s`;
  if (r.per_clip !== undefined) return `${money(r.per_clip)} per clip`;
  if (r.base !== undefined)
    return `${money(r.base)} for ${r.base_seconds} s, then ${money(r.per_extra_second!)}/s`;
  if (r.per_block !== undefined) return `${money(r.per_block)} per started ${r.block_seconds} s`;
  return `${money(r.per_megapixel!)} per output megapixel (width × height × frames)`;
}

function conditionText(when: PriceCondition | undefined): string {
  if (!when) return "";
  const parts: string[] = [];
  if (when.audio !== undefined) parts.push(when.audio ? "with audio" : "without audio");
  if (when.voice) parts.push("and voice control");
  if (when.resolution) parts.push(`at ${when.resolution.join(" or ")}`);
  if (when.mode) parts.push(`for ${when.mode.join(" or ")}`);
  if (when.seconds_at_most !== undefined) parts.push(`up to ${when.seconds_at_most} s`);
  return parts.join(" ");
}

// Up to 4 decimals, as fal writes them: $0.07, $0.168, $0.3034.
function money(n: number): string {
  const s = n.toFixed(4).replace(/0+$/, "");
  return `$${s.endsWith(".") ? `${s}00` : s.split(".")[1]!.length < 2 ? `${s}0` : s}`;
}
