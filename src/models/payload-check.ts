// Every payload is checked against its endpoint's input schema (as fal publishes it, in the model file)
// before it is sent: a payload that does not validate is a bug in a model file, and nothing is paid for it.
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import type { ErrorObject } from "ajv";
import type { ModelSpec } from "./types.js";

type Check = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

// By the schema object: a model file read again (edited meanwhile) is looked up again.
const checks = new WeakMap<object, Check>();
let precompiled: Record<string, Check> | undefined;

// The precompiled checks (170 kB of code) load only where a request is about to be sent, not at each start.
export async function loadPayloadChecks(): Promise<void> {
  precompiled ??= (await import("./payload-validators.generated.js")) as unknown as Record<string, Check>;
}

// The shipped schemas are precompiled (scripts/compile-schema.mjs), named by their JSON's sha256; any other
// (a project's own, or one edited since the build) is compiled here, loading ajv only then.
function checkFor(schema: Record<string, unknown>): Check {
  let check = checks.get(schema);
  if (check) return check;
  const id = `h${createHash("sha256").update(JSON.stringify(schema)).digest("hex")}`;
  check = precompiled?.[id] ?? compile(schema);
  checks.set(schema, check);
  return check;
}

let ajv: { compile(schema: object): Check } | undefined;
function compile(schema: Record<string, unknown>): Check {
  if (!ajv) {
    const { Ajv } = createRequire(import.meta.url)("ajv") as typeof import("ajv");
    // fal's schemas carry their own keywords (x-fal) and formats; they describe, they do not constrain.
    ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false }) as never;
  }
  return ajv!.compile(schema);
}

// What is wrong with the payload, naming the field; undefined when fal's schema accepts it.
export function payloadProblem(
  model: Pick<ModelSpec, "schema">,
  payload: Record<string, unknown>,
): string | undefined {
  const unknown = unknownField(model, payload);
  if (unknown) return unknown;
  const check = checkFor(model.schema);
  if (check(payload)) return undefined;
  return firstProblem(check, payload);
}

// A shipped model's payload, before the render: the tests check every value its lists offer against its
// schema, so what is left to check here is what varies, the fields it sends and the length of its text.
export function shippedPayloadProblem(
  model: ModelSpec,
  payload: Record<string, unknown>,
): string | undefined {
  const unknown = unknownField(model, payload);
  if (unknown) return unknown;
  const known = (model.schema.properties ?? {}) as Record<string, TextRule>;
  for (const [field, value] of Object.entries(payload)) {
    if (typeof value !== "string" || !known[field]) continue;
    const rule = textRule(known[field]);
    const length = [...value].length;
    if (rule.maxLength !== undefined && length > rule.maxLength)
      return `field "${field}" must NOT have more than ${rule.maxLength} characters (it has ${length})`;
    if (rule.minLength !== undefined && length < rule.minLength)
      return `field "${field}" must NOT have fewer than ${rule.minLength} characters`;
  }
  return undefined;
}

// fal ignores a field its schema lacks, so a model file sending one would be priced for what is not made.
function unknownField(
  model: Pick<ModelSpec, "schema">,
  payload: Record<string, unknown>,
): string | undefined {
  const known = model.schema.properties as Record<string, unknown> | undefined;
  const unknown = known && Object.keys(payload).find((f) => !Object.hasOwn(known, f));
  return unknown
    ? `field "${unknown}" is not in it, so fal would ignore it (it has ${Object.keys(known).join(", ")})`
    : undefined;
}

interface TextRule {
  maxLength?: number;
  minLength?: number;
  anyOf?: TextRule[];
}

// A text field's limits, also where fal writes the field as "a string, or null" (anyOf).
function textRule(rule: TextRule): TextRule {
  return rule.anyOf?.find((r) => r.maxLength !== undefined || r.minLength !== undefined) ?? rule;
}

function firstProblem(check: Check, payload: Record<string, unknown>): string {
  const e = check.errors![0]!;
  const path = e.instancePath.split("/").slice(1);
  const field = path.join(".") || String(e.params.missingProperty ?? "");
  if (e.keyword !== "enum") return `field "${field}" ${e.message}`;
  const allowed = (e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ");
  // ajv keeps the value only when verbose; the payload has it.
  const got = path.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], payload);
  return `field "${field}" must be one of ${allowed} (got ${JSON.stringify(got)})`;
}
