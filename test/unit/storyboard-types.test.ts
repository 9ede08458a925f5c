// The storyboard's TypeScript types (read from their source text) and the JSON schema
// (read from its file) agree key for key, in which keys are required, and in the transition types.
// This replaces `TYPES_MATCH_KEYS`, which is `true` at run time by construction and so can never fail a test.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

// A member list of an interface or inline object type: name -> { optional, type text }.
type Members = Map<string, { optional: boolean; type: string }>;
interface SchemaObject {
  properties?: Record<string, SchemaObject>;
  required?: string[];
  enum?: unknown[];
}

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
const source = read("src/storyboard/types.ts").replace(/\/\/.*$/gm, "");
const schema = JSON.parse(read("schemas/storyboard.schema.json")) as SchemaObject & {
  definitions: Record<string, SchemaObject>;
};

// The text between the brace at `open` and its match.
function block(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error("unbalanced braces");
}

// `a: T; b?: { c: U };` split at top-level semicolons.
function members(body: string): Members {
  const found: Members = new Map();
  let depth = 0;
  let from = 0;
  for (let i = 0; i <= body.length; i++) {
    const c = body[i];
    if (c === "{" || c === "(" || c === "<" || c === "[") depth++;
    else if (c === "}" || c === ")" || c === ">" || c === "]") depth--;
    if ((c === ";" && depth === 0) || i === body.length) {
      const m = /^\s*(\w+)(\??):\s*([\s\S]*?)\s*$/.exec(body.slice(from, i));
      if (m) found.set(m[1]!, { optional: m[2] === "?", type: m[3]! });
      from = i + 1;
    }
  }
  return found;
}

function declared(name: string): Members {
  const at = source.search(new RegExp(`export interface ${name} \\{`));
  assert.ok(at >= 0, `interface ${name} in src/storyboard/types.ts`);
  return members(block(source, source.indexOf("{", at)));
}

// The members of an inline object type, e.g. `render?: { ... }`.
function nested(parent: Members, key: string): Members {
  const type = parent.get(key)?.type ?? "";
  assert.match(type, /^\{[\s\S]*\}$/, `${key} is an inline object type`);
  return members(block(type, 0));
}

function sameKeys(where: string, types: Members, object: SchemaObject) {
  const fromSchema = Object.keys(object.properties ?? {}).sort();
  assert.deepEqual([...types.keys()].sort(), fromSchema, `${where}: keys`);
  const required = (m: Members) =>
    [...m]
      .filter(([, v]) => !v.optional)
      .map(([k]) => k)
      .sort();
  assert.deepEqual(required(types), [...(object.required ?? [])].sort(), `${where}: required keys`);
}

test("StoryboardDoc, its defaults and render mappings have exactly the schema's keys", () => {
  const doc = declared("StoryboardDoc");
  sameKeys("storyboard", doc, schema);
  sameKeys("defaults", nested(doc, "defaults"), schema.properties!.defaults!);
  sameKeys("render", nested(doc, "render"), schema.properties!.render!);
});

test("ShotDoc, its transition and trim have exactly the schema's keys", () => {
  const shot = declared("ShotDoc");
  const shotSchema = schema.definitions.shot!;
  sameKeys("shot", shot, shotSchema);
  sameKeys("shot.transition", nested(shot, "transition"), shotSchema.properties!.transition!);
  sameKeys("shot.trim", nested(shot, "trim"), shotSchema.properties!.trim!);
});

test("the transition types are the schema's enum", () => {
  const alias = /export type TransitionType = ([^;]+);/.exec(source);
  assert.ok(alias, "type TransitionType in src/storyboard/types.ts");
  const literals = alias[1]!.split("|").map((t) => JSON.parse(t.trim()) as string);
  const type = schema.definitions.shot!.properties!.transition!.properties!.type!;
  assert.deepEqual(literals.sort(), [...(type.enum as string[])].sort());
});

test("the parser sees what it should: a key missing from the types would be caught", () => {
  const shot = declared("ShotDoc");
  assert.ok(shot.size >= 9, "ShotDoc was read");
  const fewer = new Map([...shot].filter(([k]) => k !== "trim"));
  assert.throws(() => sameKeys("shot", fewer, schema.definitions.shot!), /shot: keys/);
});
