// The pass registry: the lip-sync and upscale models storyreel ships (models/passes/), read once; a pass's
// request from what its step receives, and its price.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { MODELS_DIR } from "../paths.js";
import type {
  PassDoc,
  PassFacts,
  PassField,
  PassKind,
  PassModel,
  PassValueForm,
  PassValues,
} from "./pass-types.js";
import { clipPrice } from "./price.js";

// The pass a storyboard gets when it names none.
export const DEFAULT_PASSES: Record<PassKind, string> = {
  lipsync: "kling-lipsync",
  upscale: "bytedance-upscaler",
};

let shipped: PassModel[] | undefined;

// The shipped pass files in file-name order (the tests check each against schemas/pass-model.schema.json).
export function shippedPasses(): PassModel[] {
  if (shipped) return shipped;
  const dir = path.join(MODELS_DIR, "passes");
  shipped = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      return { ...(JSON.parse(readFileSync(file, "utf8")) as PassDoc), file };
    });
  return shipped;
}

export function passNames(pass: PassDoc): string[] {
  return [pass.name, ...(pass.aliases ?? [])];
}

// A pass by the name a storyboard writes: its alias, or its fal endpoint id.
export function findPass(
  name: string,
  passes: readonly PassModel[] = shippedPasses(),
): PassModel | undefined {
  return passes.find((p) => passNames(p).includes(name)) ?? passes.find((p) => p.endpoint === name);
}

export function passesOfKind(kind: PassKind, passes: readonly PassModel[] = shippedPasses()): PassModel[] {
  return passes.filter((p) => p.kind === kind);
}

// Dollars for one pass, rounded up to the cent; undefined when no rule applies (a height it does not price).
export function passPrice(pass: PassDoc, facts: PassFacts): number | undefined {
  const seconds =
    pass.billed_seconds === "longer_of_video_and_audio"
      ? Math.max(facts.seconds, facts.audioSeconds ?? 0)
      : facts.seconds;
  // A pass's rules name only the target (resolution) and lengths: it has no mode, and sound never prices it.
  return clipPrice(pass.price, { seconds, audio: false, ...(facts.height && { resolution: facts.height }) });
}

// The request's fields as the pass's input map says; a value the step lacks leaves its field out.
export function passPayload(pass: PassDoc, values: PassValues): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const [field, rule] of Object.entries(pass.input)) {
    const value = "value" in rule ? rule.value : fieldValue(pass, values, rule.from, rule.as);
    if (value !== undefined) payload[field] = value;
  }
  return payload;
}

function fieldValue(
  pass: PassDoc,
  values: PassValues,
  from: PassField,
  as: PassValueForm | undefined,
): unknown {
  switch (from) {
    case "video":
      return values.video;
    case "audio":
      return values.audio;
    case "height":
      return as === "pixels" && values.height !== undefined ? pass.heights?.[values.height] : values.height;
    case "fps":
      return as === "suffixed" && values.fps !== undefined ? `${values.fps}fps` : values.fps;
    case "sync_mode":
      return values.syncMode ?? pass.default_sync_mode;
  }
}
