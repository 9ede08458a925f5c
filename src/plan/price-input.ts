// What fal bills for one request, from the input it was sent and the model registry: for a request found in
// fal's listing (its input is all storyreel has of it), priced as the plan prices the step.
import { audioModelRegistry } from "../models/audio-registry.js";
import { imageModelRegistry } from "../models/image-registry.js";
import { modelRegistry } from "../models/registry.js";
import { shotCost } from "./model-input.js";
import { soundCost } from "./sound-steps.js";
import { stillCost } from "./still-input.js";

// Dollars, or undefined for an endpoint the registry does not know or an input it cannot price.
export function priceOfInput(endpoint: string, input: unknown): number | undefined {
  if (!input || typeof input !== "object") return undefined;
  const fields = input as Record<string, unknown>;
  const video = modelRegistry().get(endpoint);
  if (video) {
    const duration = Number(fields[inputName(video.input, "duration") ?? "duration"]);
    const audio = fields[inputName(video.input, "audio") ?? "generate_audio"] === true;
    return Number.isFinite(duration) && duration > 0 ? shotCost(video, { duration, audio }) : undefined;
  }
  const image = imageModelRegistry().get(endpoint);
  if (image) {
    const size = fields[inputName(image.input, "size") ?? ""] as
      | { width?: unknown; height?: unknown }
      | undefined;
    const wh = size && Number(size.width) > 0 && Number(size.height) > 0;
    return stillCost({ size: wh ? [Number(size.width), Number(size.height)] : undefined, model: image });
  }
  const sound = audioModelRegistry().get(endpoint);
  if (sound)
    return soundCost({ kind: sound.kind === "music" ? "music" : "voice", model: sound, input: fields });
  return undefined;
}

// The input field a model fills from a step's field (`from`).
function inputName(rules: Record<string, { from?: string } | object>, from: string): string | undefined {
  return Object.entries(rules).find(([, rule]) => (rule as { from?: string }).from === from)?.[0];
}
