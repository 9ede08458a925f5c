// Every payload is checked against its endpoint's input schema (as fal publishes it, in the model file)
// before it is sent: a payload that does not validate is a bug in a model file, and nothing is paid for it.
import { Ajv, type ValidateFunction } from "ajv";
import type { ModelSpec } from "./types.js";

// By the schema object: a model file read again (edited meanwhile) is compiled again.
const compiled = new WeakMap<object, ValidateFunction>();
// fal's schemas carry their own keywords (x-fal) and formats; they describe, they do not constrain.
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });

// What is wrong with the payload, naming the field; undefined when fal's schema accepts it.
export function payloadProblem(model: ModelSpec, payload: Record<string, unknown>): string | undefined {
  let check = compiled.get(model.schema);
  if (!check) {
    check = ajv.compile(model.schema);
    compiled.set(model.schema, check);
  }
  if (check(payload)) return undefined;
  const e = check.errors![0]!;
  const field = e.instancePath.slice(1).replace(/\//g, ".") || String(e.params.missingProperty ?? "");
  const allowed =
    e.keyword === "enum"
      ? ` (${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")})`
      : "";
  const got = e.instancePath ? ` (got ${JSON.stringify(e.data)})` : "";
  return `field "${field}" ${e.message}${allowed}${e.keyword === "enum" ? got : ""}`;
}
