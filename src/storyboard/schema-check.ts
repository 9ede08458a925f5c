// ajv over the storyboard schema: every schema violation as a Problem with its file position.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { ErrorObject } from "ajv";
import type { Problem } from "../errors.js";
import { SCHEMA_DIR } from "../paths.js";
import type { LoadedStoryboard } from "./load.js";
import { describePath, pointerToPath, positionOf, type DataPath } from "./positions.js";
import { closest, shown } from "../util/suggest.js";
import validateGenerated from "./storyboard-validator.generated.js";

// The schema precompiled by scripts/compile-schema.mjs (ajv standalone), so start-up skips ajv's compiler.
const check = validateGenerated as unknown as ((data: unknown) => boolean) & {
  errors?: ErrorObject[] | null;
};

export function storyboardSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(SCHEMA_DIR, "storyboard.schema.json"), "utf8"));
}

// Problems in schema order of the document; an empty list means the data is a StoryboardDoc.
export function schemaProblems(loaded: LoadedStoryboard): Problem[] {
  if (check(loaded.data)) return [];
  return (check.errors ?? [])
    .map((e) => toProblem(loaded, e))
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

function toProblem(loaded: LoadedStoryboard, e: ErrorObject): Problem {
  const at = pointerToPath(e.instancePath);
  const { where, key, message } = explain(e, at);
  const pos = positionOf(loaded, at, key);
  return {
    file: loaded.file,
    line: pos.line,
    col: pos.col,
    path: describePath(where) || "storyboard",
    message,
  };
}

function explain(e: ErrorObject, at: DataPath): { where: DataPath; key?: string; message: string } {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "additionalProperties": {
      const name = String(p.additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      const hint = closest(name, allowed);
      const message = `unknown key${hint ? ` (did you mean "${hint}"?)` : `; allowed keys: ${allowed.join(", ")}`}`;
      return { where: [...at, name], key: name, message };
    }
    case "required":
      return { where: at, message: `missing required key "${String(p.missingProperty)}"` };
    case "type":
      if (typeof e.data === "number" && !Number.isFinite(e.data) && /number|integer/.test(String(p.type)))
        return {
          where: at,
          message: `${notFinite(e.data)}; must be a finite ${article(String(p.type)).slice(2)}`,
        };
      return { where: at, message: `must be ${article(String(p.type))} (got ${shown(e.data)})` };
    case "enum":
      return {
        where: at,
        message: `must be one of ${(p.allowedValues as unknown[]).join(", ")} (got ${shown(e.data)})`,
      };
    case "const":
      return { where: at, message: `must be ${shown(p.allowedValue)} (got ${shown(e.data)})` };
    case "pattern":
      return { where: at, message: `${patternMeaning(String(p.pattern))} (got ${shown(e.data)})` };
    case "minItems":
      return {
        where: at,
        message:
          at.join() === "shots"
            ? "must list at least one shot"
            : `must list at least ${String(p.limit)} item (got none)`,
      };
    case "minLength":
      return { where: at, message: "must not be empty" };
    case "minProperties":
      return {
        where: at,
        message: `must set at least one of: ${Object.keys((e.parentSchema as { properties?: object }).properties ?? {}).join(", ")}`,
      };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return {
        where: at,
        message: `must be ${String(p.comparison)} ${String(p.limit)} (got ${shown(e.data)})`,
      };
    default:
      return { where: at, message: `${e.message ?? "is invalid"} (got ${shown(e.data)})` };
  }
}

// ajv counts .inf and .nan as no number at all; say what they are instead.
function notFinite(value: number): string {
  return Number.isNaN(value) ? "is .nan, not a number" : `is infinite (${shown(value)})`;
}

function article(type: string): string {
  const names: Record<string, string> = {
    integer: "a whole number",
    number: "a number",
    string: "a string (text)",
    boolean: "true or false",
    object: "a mapping (key: value)",
    array: "a list",
  };
  return names[type] ?? `of type ${type}`;
}

function patternMeaning(pattern: string): string {
  if (pattern === "\\.mp4$") return "must be a path ending in .mp4";
  if (pattern.startsWith("^[1-9]")) return "must be WIDTHxHEIGHT with even numbers, e.g. 1920x1080";
  if (pattern.startsWith("^[a-z0-9]"))
    return "must be lower-case letters, digits, '-' or '_', starting with a letter or digit";
  return `must match ${pattern}`;
}
