// Map a resolved shot onto its model's input, and price it, as the model's family file says.
import type { ImageRef, Shot } from "./types.js";
import type { DurationForm, ModelSpec, ShotField } from "../models/types.js";
import { clipFacts, clipPrice } from "../models/price.js";

// How images appear in the input: a content hash for cache keys, an uploaded URL for the real request.
export type ImageValue = (image: ImageRef) => unknown;

export function modelInput(model: ModelSpec, shot: Shot, imageValue: ImageValue): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(model.input)) {
    const value = shotField(shot, rule.from, imageValue);
    if (value === undefined) continue;
    input[name] = rule.as ? inForm(value, rule.as, model) : value;
  }
  return input;
}

// Dollars for generating this shot's clip once, by its model's price rule.
export function shotCost(shot: Pick<Shot, "duration" | "audio" | "resolution" | "model">): number {
  const cost = clipPrice(shot.model.price, clipFacts(shot.model, shot));
  if (cost === undefined)
    throw new Error(`bug: ${shot.model.file} has no price for this shot (validate checks it)`);
  return cost;
}

// The prompt as sent: each `@name` of a reference becomes the model's tag for it, in reference order.
export function sentPrompt(shot: Pick<Shot, "prompt" | "references" | "model">): string {
  const refs = shot.references;
  const tag = shot.model.references?.tag;
  if (!refs?.length || !tag) return shot.prompt;
  return shot.prompt.replace(REFERENCE_NAME, (whole, name: string) => {
    const n = refs.findIndex((r) => r.name === name);
    return n < 0 ? whole : tag.replace("{n}", String(n + 1)).replace("{name}", name);
  });
}

// `@keeper` at a word's start (not inside an e-mail address).
export const REFERENCE_NAME = /(?<![\w@.])@([A-Za-z0-9_][\w-]*)/g;

function inForm(value: unknown, form: DurationForm, model: ModelSpec): unknown {
  switch (form) {
    case "string":
      return String(value);
    case "number":
      return Number(value);
    case "seconds":
      return `${value}s`;
    case "frames":
      return Math.round(Number(value) * (model.fps ?? 24)) + 1;
  }
}

function shotField(shot: Shot, field: ShotField, imageValue: ImageValue): unknown {
  switch (field) {
    case "prompt":
      return sentPrompt(shot);
    case "image":
      return shot.image && imageValue(shot.image);
    case "end_image":
      return shot.endImage && imageValue(shot.endImage);
    case "references":
      return shot.references?.map((r) => imageValue(r.image));
    case "duration":
      return shot.duration;
    case "negative_prompt":
      return shot.negativePrompt;
    case "audio":
      return shot.audio;
    case "resolution":
      return shot.resolution;
    case "aspect_ratio":
      return shot.aspectRatio;
  }
}
