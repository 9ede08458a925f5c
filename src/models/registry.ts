// The model registry: one JSON file per model in models/, validated once at load.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { MODELS_DIR } from "../paths.js";
import type { ModelSpec } from "./types.js";

export const DEFAULT_MODEL = "fal-ai/kling-video/v2.6/pro/image-to-video";

let cached: Map<string, ModelSpec> | undefined;

// Every registered model by endpoint id. The files are checked against schemas/model.schema.json by the tests.
export function modelRegistry(): Map<string, ModelSpec> {
  if (cached) return cached;
  const models = new Map<string, ModelSpec>();
  for (const file of readdirSync(MODELS_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    const spec = JSON.parse(readFileSync(path.join(MODELS_DIR, file), "utf8")) as ModelSpec;
    models.set(spec.endpoint, spec);
  }
  cached = models;
  return models;
}

export function findModel(endpoint: string): ModelSpec | undefined {
  return modelRegistry().get(endpoint);
}
