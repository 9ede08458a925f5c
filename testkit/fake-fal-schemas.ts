// The fake fal's video endpoints: every mode storyreel ships (models/video/*.json) and every pass
// (models/passes/*.json), each checking a submitted input against the schema fal publishes for it, as fal does:
// a bad input is a 422 with pydantic's error body. Also what each endpoint makes: a clip as long as the input
// asks, with sound when it asks, and its result.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { allModes } from "../src/models/modes.js";
import type { PassModel } from "../src/models/pass-types.js";
import { shippedPasses } from "../src/models/passes.js";
import { shippedFamilies } from "../src/models/registry.js";
import type { ModelSpec } from "../src/models/types.js";

export interface VideoEndpoint {
  model: ModelSpec;
  check: ValidateFunction;
}

// fal's error spec: { detail: [{ loc: ["body", field, ...], msg, type, input?, ctx? }] }.
export interface FieldError {
  loc: Array<string | number>;
  msg: string;
  type: string;
  input?: unknown;
  ctx?: Record<string, unknown>;
}

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
let byEndpoint: Map<string, VideoEndpoint> | undefined;

// The shipped mode that uses this endpoint, with its compiled schema; undefined for any other endpoint.
export function videoEndpoint(endpoint: string): VideoEndpoint | undefined {
  if (!byEndpoint) {
    byEndpoint = new Map();
    for (const model of allModes(shippedFamilies()))
      if (!byEndpoint.has(model.endpoint))
        byEndpoint.set(model.endpoint, { model, check: ajv.compile(model.schema) });
  }
  return byEndpoint.get(endpoint);
}

export interface PassEndpoint {
  pass: PassModel;
  check: ValidateFunction;
}

let passesByEndpoint: Map<string, PassEndpoint> | undefined;

// The shipped pass (lip-sync, upscale) that uses this endpoint, with its compiled schema.
export function passEndpoint(endpoint: string): PassEndpoint | undefined {
  passesByEndpoint ??= new Map(
    shippedPasses().map((pass) => [pass.endpoint, { pass, check: ajv.compile(pass.schema) }]),
  );
  return passesByEndpoint.get(endpoint);
}

// What fal would answer this input with: nothing when it is accepted. `served` says whether a URL is one the
// fake's storage handed out; any other URL must be https (fal cannot fetch a file from this machine).
export function inputErrors(
  endpoint: { check: ValidateFunction },
  input: Record<string, unknown>,
  served: (url: string) => boolean,
): FieldError[] {
  const errors = endpoint.check(input) ? [] : schemaErrors(endpoint.check.errors ?? [], input);
  for (const [field, value] of Object.entries(input)) {
    const urls =
      field.endsWith("_urls") && Array.isArray(value) ? value : field.endsWith("_url") ? [value] : [];
    urls.forEach((url, i) => {
      if (typeof url !== "string" || served(url) || url.startsWith("https://")) return;
      errors.push({
        loc: ["body", field, ...(field.endsWith("_urls") ? [i] : [])],
        msg: "Failed to download the file. Please check if the URL is accessible.",
        type: "file_download_error",
        input: url,
      });
    });
  }
  return errors;
}

// One error per field, in pydantic's words (fal's inputs are pydantic models): the first ajv says about it,
// leaving out anyOf's summary when a branch said more.
function schemaErrors(errors: readonly ErrorObject[], input: Record<string, unknown>): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of [...errors].sort((a, b) => Number(a.keyword === "anyOf") - Number(b.keyword === "anyOf"))) {
    const loc = ["body", ...locOf(e)];
    if (seen.has(loc.join("\u0000"))) continue;
    seen.add(loc.join("\u0000"));
    // ajv keeps the value only when verbose; the input has it.
    const value = e.instancePath ? valueAt(input, loc.slice(1)) : input;
    out.push({ loc, ...pydantic(e), ...(e.keyword !== "required" && { input: value }) });
  }
  return out;
}

function valueAt(input: unknown, path: ReadonlyArray<string | number>): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], input);
}

function locOf(e: ErrorObject): Array<string | number> {
  const path = e.instancePath
    .split("/")
    .slice(1)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, "/").replace(/~0/g, "~")));
  if (e.keyword === "required") path.push(String(e.params.missingProperty));
  if (e.keyword === "additionalProperties") path.push(String(e.params.additionalProperty));
  return path;
}

const TYPE_WORDS: Record<string, [string, string]> = {
  string: ["string_type", "a valid string"],
  integer: ["int_type", "a valid integer"],
  number: ["float_type", "a valid number"],
  boolean: ["bool_type", "a valid boolean"],
  array: ["list_type", "a valid list"],
  object: ["dict_type", "a valid dictionary"],
  null: ["none_required", "None"],
};

function pydantic(e: ErrorObject): Pick<FieldError, "msg" | "type" | "ctx"> {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return { msg: "Field required", type: "missing" };
    case "additionalProperties":
      return { msg: "Extra inputs are not permitted", type: "extra_forbidden" };
    case "enum":
    case "const": {
      const allowed = (e.keyword === "enum" ? (p.allowedValues as unknown[]) : [p.allowedValue]).map(literal);
      const expected =
        allowed.length > 1 ? `${allowed.slice(0, -1).join(", ")} or ${allowed.at(-1)}` : allowed[0];
      return { msg: `Input should be ${expected}`, type: "literal_error", ctx: { expected } };
    }
    case "type": {
      const [type, words] = TYPE_WORDS[String(p.type).split(",")[0]!] ?? ["type_error", `of type ${p.type}`];
      return { msg: `Input should be ${words}`, type };
    }
    case "maxLength":
      return {
        msg: `String should have at most ${p.limit} characters`,
        type: "string_too_long",
        ctx: { max_length: p.limit },
      };
    case "minLength":
      return {
        msg: `String should have at least ${p.limit} characters`,
        type: "string_too_short",
        ctx: { min_length: p.limit },
      };
    case "maxItems":
      return {
        msg: `List should have at most ${p.limit} items after validation`,
        type: "too_long",
        ctx: { max_length: p.limit },
      };
    case "minItems":
      return {
        msg: `List should have at least ${p.limit} items after validation`,
        type: "too_short",
        ctx: { min_length: p.limit },
      };
    case "maximum":
      return {
        msg: `Input should be less than or equal to ${p.limit}`,
        type: "less_than_equal",
        ctx: { le: p.limit },
      };
    case "minimum":
      return {
        msg: `Input should be greater than or equal to ${p.limit}`,
        type: "greater_than_equal",
        ctx: { ge: p.limit },
      };
    default:
      return { msg: `Value error, ${e.message ?? "is not valid"}`, type: "value_error" };
  }
}

function literal(v: unknown): string {
  return typeof v === "string" ? `'${v}'` : String(v);
}

// The seconds an input asks for, in the form the mode sends them ("5", "8s", 8, or a frame count); fal's
// default when the input leaves it out; the mode's only duration when it has no such field.
export function requestedSeconds(model: ModelSpec, input: Record<string, unknown>): number {
  const [field, rule] = Object.entries(model.input).find(([, r]) => r.from === "duration") ?? [];
  const props = (model.schema.properties ?? {}) as Record<string, { default?: unknown }>;
  const value = field === undefined ? undefined : (input[field] ?? props[field]?.default);
  if (value === undefined) return model.default_duration ?? model.durations[0]!;
  if (rule?.as === "frames") return (Number(value) - 1) / (model.fps ?? 24);
  return Number.parseFloat(String(value));
}

// Whether the clip has sound: always or never as the model makes it, else as the input (or fal's default) says.
export function requestedAudio(model: ModelSpec, input: Record<string, unknown>): boolean {
  if (model.audio !== "optional") return model.audio === "always";
  const field = Object.entries(model.input).find(([, r]) => r.from === "audio")?.[0];
  const props = (model.schema.properties ?? {}) as Record<string, { default?: unknown }>;
  const value = field === undefined ? undefined : (input[field] ?? props[field]?.default);
  return value !== false;
}

// The result as the mode's output path says (`video.url`: { video: File }), with a seed; Sora adds its video id.
export function videoResult(
  model: ModelSpec,
  file: { url: string; content_type: string; file_name: string; file_size: number },
  requestId: string,
): Record<string, unknown> {
  const result = { ...resultAt(model, file), seed: 1 };
  return model.endpoint.startsWith("fal-ai/sora-2/") ? { ...result, video_id: `video_${requestId}` } : result;
}

// The file at the model's (or the pass's) output path: `video.url` is { video: File }.
export function resultAt(
  model: Pick<ModelSpec, "output" | "file">,
  file: { url: string; content_type: string; file_name: string; file_size: number },
): Record<string, unknown> {
  const path = model.output.video_url.split(".");
  if (path.at(-1) !== "url") throw new Error(`fake fal: ${model.file} has an output path it cannot serve`);
  let value: unknown = file;
  for (const key of path.slice(0, -1).reverse()) value = { [key]: value };
  return value as Record<string, unknown>;
}
