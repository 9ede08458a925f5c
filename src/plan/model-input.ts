// Map a resolved shot onto a model's input, and price it, as the model's registry file says.
import type { Shot } from "../storyboard/types.js";
import type { ModelSpec, ShotField } from "../models/types.js";
import { roundCents } from "../util/money.js";

// How images appear in the input: a content hash for cache keys, an uploaded URL for the real request.
export type ImageValue = (image: NonNullable<Shot["endImage"]>) => unknown;

export function modelInput(model: ModelSpec, shot: Shot, imageValue: ImageValue): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(model.input)) {
    const value = shotField(shot, rule.from, imageValue);
    if (value === undefined) continue;
    input[name] = rule.as === "string" ? String(value) : rule.as === "number" ? Number(value) : value;
  }
  return input;
}

// Dollars for generating this shot's clip once.
export function shotCost(model: ModelSpec, shot: Pick<Shot, "duration" | "audio">): number {
  const rate = shot.audio ? model.price_per_second.audio_on : model.price_per_second.audio_off;
  return roundCents(rate * shot.duration);
}

function shotField(shot: Shot, field: ShotField, imageValue: ImageValue): unknown {
  switch (field) {
    case "prompt":
      return shot.prompt;
    case "image":
      return imageValue(shot.image);
    case "end_image":
      return shot.endImage && imageValue(shot.endImage);
    case "duration":
      return shot.duration;
    case "negative_prompt":
      return shot.negativePrompt;
    case "audio":
      return shot.audio;
  }
}
