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
  cached = readModels<ModelSpec>(MODELS_DIR);
  return cached;
}

// The model files of one folder (not its subfolders), by endpoint, in file-name order.
export function readModels<T extends { endpoint: string }>(dir: string): Map<string, T> {
  const models = new Map<string, T>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    const spec = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as T;
    models.set(spec.endpoint, spec);
  }
  return models;
}

export function findModel(endpoint: string): ModelSpec | undefined {
  return modelRegistry().get(endpoint);
}
