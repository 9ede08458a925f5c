// The model registry: one JSON file per model in models/, validated once at load.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import { MODELS_DIR, SCHEMA_DIR } from "../paths.js";
import type { ModelSpec } from "./types.js";

export const DEFAULT_MODEL = "fal-ai/kling-video/v2.6/pro/image-to-video";

let cached: Map<string, ModelSpec> | undefined;

// Every registered model by endpoint id; a malformed registry file is a bug in storyreel, so it throws.
export function modelRegistry(): Map<string, ModelSpec> {
  if (cached) return cached;
  const schema = JSON.parse(readFileSync(path.join(SCHEMA_DIR, "model.schema.json"), "utf8"));
  const check = new Ajv({ allErrors: true }).compile<ModelSpec>(schema);
  const models = new Map<string, ModelSpec>();
  for (const file of readdirSync(MODELS_DIR).filter((f) => f.endsWith(".json")).sort()) {
    const spec: unknown = JSON.parse(readFileSync(path.join(MODELS_DIR, file), "utf8"));
    if (!check(spec)) throw new Error(`models/${file}: ${JSON.stringify(check.errors)}`);
    models.set(spec.endpoint, spec);
  }
  cached = models;
  return models;
}

export function findModel(endpoint: string): ModelSpec | undefined {
  return modelRegistry().get(endpoint);
}
