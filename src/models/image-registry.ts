// The image model registry: one JSON file per model in models/images/, read once.
import path from "node:path";
import { MODELS_DIR } from "../paths.js";
import type { ImageModelSpec } from "./image-types.js";
import { readModels } from "./registry.js";

export const DEFAULT_IMAGE_MODELS: Record<ImageModelSpec["kind"], string> = {
  "text-to-image": "fal-ai/flux-1/dev",
  "image-edit": "fal-ai/nano-banana-2/edit",
};

let cached: Map<string, ImageModelSpec> | undefined;

export function imageModelRegistry(): Map<string, ImageModelSpec> {
  if (cached) return cached;
  cached = readModels<ImageModelSpec>(path.join(MODELS_DIR, "images"));
  return cached;
}

export function imageModelsOfKind(kind: ImageModelSpec["kind"]): string[] {
  return [...imageModelRegistry().values()].filter((m) => m.kind === kind).map((m) => m.endpoint);
}
