// Why a shot must be generated: which of its storyboard fields changed since the clip it had last time.
import type { ModelSpec } from "../models/types.js";

const NAMES: Record<string, string> = {
  image: "image",
  end_image: "end_image",
  prompt: "prompt",
  duration: "duration",
  audio: "audio",
  negative_prompt: "negative_prompt",
};

// `previous` and `current` are key materials (see keyMaterial); the result names storyboard fields, e.g. ["prompt"].
export function changedFields(
  previous: Record<string, unknown>,
  current: Record<string, unknown>,
  model: ModelSpec,
): string[] {
  const changed: string[] = [];
  for (const top of ["key_format", "provider", "endpoint"])
    if (JSON.stringify(previous[top]) !== JSON.stringify(current[top]))
      changed.push(top === "endpoint" ? "model" : top);
  const before = (previous.input ?? {}) as Record<string, unknown>;
  const after = (current.input ?? {}) as Record<string, unknown>;
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[name]) === JSON.stringify(after[name])) continue;
    const field = model.input[name]?.from;
    changed.push(field ? (NAMES[field] ?? field) : name);
  }
  return changed;
}
