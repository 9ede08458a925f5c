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
  // fal ignores a field its schema lacks, so a model file sending one would be priced for what is not made.
  const known = model.schema.properties as Record<string, unknown> | undefined;
  const unknown = known && Object.keys(payload).find((f) => !Object.hasOwn(known, f));
  if (unknown)
    return `field "${unknown}" is not in it, so fal would ignore it (it has ${Object.keys(known).join(", ")})`;
  let check = compiled.get(model.schema);
  if (!check) {
    check = ajv.compile(model.schema);
    compiled.set(model.schema, check);
  }
  if (check(payload)) return undefined;
  const e = check.errors![0]!;
  const path = e.instancePath.split("/").slice(1);
  const field = path.join(".") || String(e.params.missingProperty ?? "");
  if (e.keyword !== "enum") return `field "${field}" ${e.message}`;
  const allowed = (e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ");
  // ajv keeps the value only when verbose; the payload has it.
  const got = path.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], payload);
  return `field "${field}" must be one of ${allowed} (got ${JSON.stringify(got)})`;
}
