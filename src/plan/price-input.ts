// What fal bills for one request, from the input it was sent and the model registry: for a request found in
// fal's listing (its input is all storyreel has of it), priced as the plan prices the step.
import { audioModelRegistry } from "../models/audio-registry.js";
import { imageModelRegistry } from "../models/image-registry.js";
import { inputFor } from "../models/input-rules.js";
import { allModes, defaultDuration } from "../models/modes.js";
import { clipFacts, clipPrice } from "../models/price.js";
import { videoModels } from "../models/registry.js";
import type { ModelSpec } from "../models/types.js";
import { soundCost } from "./sound-steps.js";
import { stillCost } from "./still-input.js";

// Dollars, or undefined for an endpoint the registry does not know or an input it cannot price.
export function priceOfInput(endpoint: string, input: unknown): number | undefined {
  if (!input || typeof input !== "object") return undefined;
  const fields = input as Record<string, unknown>;
  const video = videoMode(endpoint);
  if (video) return videoPrice(video, fields);
  const image = imageModelRegistry().get(endpoint);
  if (image) {
    const size = fields[inputFor(image.input, "size") ?? ""] as
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

function videoMode(endpoint: string): ModelSpec | undefined {
  return allModes(videoModels().families).find((m) => m.endpoint === endpoint);
}

// The clip's seconds, sound and resolution as the input says them ("8s", "5", 8, or frames).
function videoPrice(model: ModelSpec, fields: Record<string, unknown>): number | undefined {
  const name = inputFor(model.input, "duration");
  const rule = name ? model.input[name] : undefined;
  const sent = name ? fields[name] : undefined;
  let duration = sent === undefined ? defaultDuration(model) : Number.parseFloat(String(sent));
  // The inverse of framesSent (model-input.ts).
  if (rule?.as === "frames") duration = (duration - 1) / (model.fps ?? 24);
  if (!(Number.isFinite(duration) && duration > 0)) return undefined;
  const audioField = inputFor(model.input, "audio");
  const audio =
    model.audio === "always" || (model.audio === "optional" && (!audioField || fields[audioField] !== false));
  const resolutionField = inputFor(model.input, "resolution");
  const resolution =
    resolutionField && typeof fields[resolutionField] === "string"
      ? (fields[resolutionField] as string)
      : undefined;
  return clipPrice(model.price, clipFacts(model, { duration, audio, resolution }));
}
