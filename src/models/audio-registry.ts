// The audio model registry: one JSON file per model in models/audio/, read once.
import path from "node:path";
import { MODELS_DIR } from "../paths.js";
import type { AudioModelSpec } from "./audio-types.js";
import { readModels } from "./registry.js";

export const DEFAULT_AUDIO_MODELS: Record<AudioModelSpec["kind"], string> = {
  "text-to-speech": "fal-ai/kokoro/american-english",
  music: "cassetteai/music-generator",
};

let cached: Map<string, AudioModelSpec> | undefined;

export function audioModelRegistry(): Map<string, AudioModelSpec> {
  if (cached) return cached;
  cached = readModels<AudioModelSpec>(path.join(MODELS_DIR, "audio"));
  return cached;
}

export function audioModelsOfKind(kind: AudioModelSpec["kind"]): string[] {
  return [...audioModelRegistry().values()].filter((m) => m.kind === kind).map((m) => m.endpoint);
}
