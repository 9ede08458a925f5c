// Map a resolved shot onto its model's input, and price it, as the model's family file says.
import type { ImageRef, Shot } from "./types.js";
import type { ModelSpec, ShotField } from "../models/types.js";
import { clipFacts, clipPrice } from "../models/price.js";
import { inForm } from "../models/modes.js";

// How images appear in the input: a content hash for cache keys, an uploaded URL for the real request.
export type ImageValue = (image: ImageRef) => unknown;

export function modelInput(model: ModelSpec, shot: Shot, imageValue: ImageValue): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(model.input)) {
    const value = shotField(shot, rule.from, imageValue);
    if (value === undefined) continue;
    input[name] = rule.as ? inForm(value, rule.as, model.fps) : value;
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
  const names = refs.map((r) => r.name);
  let sent = "";
  let from = 0;
  for (const m of referenceMentions(shot.prompt, names).filter((m) => m.known)) {
    const n = names.indexOf(m.name) + 1;
    sent += `${shot.prompt.slice(from, m.index)}${tag.replace("{n}", String(n)).replace("{name}", m.name)}`;
    from = m.index + 1 + m.name.length;
  }
  return sent + shot.prompt.slice(from);
}

export interface Mention {
  // Where its `@` is.
  index: number;
  name: string;
  // One of the names given.
  known: boolean;
}

// Each `@name` at a word's start (not inside an e-mail address): the longest of `names` written there
// (`@boy.v2` is boy.v2, not boy, when both are names), else the word, for an error.
export function referenceMentions(prompt: string, names: readonly string[]): Mention[] {
  const longestFirst = [...names].sort((a, b) => b.length - a.length);
  const mentions: Mention[] = [];
  for (const at of prompt.matchAll(/(?<![\w@.])@/g)) {
    const rest = prompt.slice(at.index! + 1);
    const known = longestFirst.find((n) => rest.startsWith(n) && !/^[\w-]/.test(rest.slice(n.length)));
    const word = known ?? /^[A-Za-z0-9_](?:[\w.-]*[\w-])?/.exec(rest)?.[0];
    if (word) mentions.push({ index: at.index!, name: word, known: known !== undefined });
  }
  return mentions;
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
