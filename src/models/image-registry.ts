// The image model registry: one JSON file per model in models/images/, read once.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { MODELS_DIR } from "../paths.js";
import type { ImageModelSpec } from "./image-types.js";

export const DEFAULT_IMAGE_MODELS: Record<ImageModelSpec["kind"], string> = {
  "text-to-image": "fal-ai/flux-1/dev",
  "image-edit": "fal-ai/nano-banana-2/edit",
};

let cached: Map<string, ImageModelSpec> | undefined;

export function imageModelRegistry(): Map<string, ImageModelSpec> {
  if (cached) return cached;
  const dir = path.join(MODELS_DIR, "images");
  const models = new Map<string, ImageModelSpec>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    const spec = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as ImageModelSpec;
    models.set(spec.endpoint, spec);
  }
  cached = models;
  return models;
}

export function imageModelsOfKind(kind: ImageModelSpec["kind"]): string[] {
  return [...imageModelRegistry().values()].filter((m) => m.kind === kind).map((m) => m.endpoint);
}
