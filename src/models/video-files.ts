// Reading video model family files: each checked against schemas/video-model.schema.json, a bad one named by
// its file, line and column (a project's own model file is input like the storyboard).
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { ErrorObject, ValidateFunction } from "ajv";
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Node } from "yaml";
import type { Problem } from "../errors.js";
import { SCHEMA_DIR } from "../paths.js";
import { isMissing } from "../util/fs.js";
import { modeValueProblems } from "./mode-values.js";
import type { FamilyDoc, VideoFamily } from "./types.js";

let validator: ValidateFunction | undefined;

// ajv is loaded only for a project's own files: the shipped ones are checked by the tests, not at each start.
function checkFamily(data: unknown): ErrorObject[] {
  if (!validator) {
    const { Ajv } = createRequire(import.meta.url)("ajv") as typeof import("ajv");
    validator = new Ajv({ allErrors: true, strict: false }).compile(
      JSON.parse(readFileSync(path.join(SCHEMA_DIR, "video-model.schema.json"), "utf8")),
    );
  }
  return validator(data) ? [] : (validator.errors ?? []);
}

export interface FamilyFiles {
  families: VideoFamily[];
  problems: Problem[];
}

// Every *.json family file in `dir` (not its subfolders), in file-name order; a missing folder has none.
export function readFamilies(dir: string, origin: VideoFamily["origin"]): FamilyFiles {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith(".json"));
  } catch (err) {
    if (isMissing(err)) return { families: [], problems: [] };
    throw err;
  }
  const out: FamilyFiles = { families: [], problems: [] };
  for (const name of names.sort()) {
    const file = path.join(dir, name);
    const text = readFileSync(file, "utf8");
    const read = origin === "shipped" ? { family: JSON.parse(text) as FamilyDoc } : readFamily(text, file);
    if ("problems" in read) out.problems.push(...read.problems);
    else out.families.push({ ...read.family, file, origin });
  }
  return out;
}

export function readFamily(text: string, file: string): { family: FamilyDoc } | { problems: Problem[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    // "Unexpected token } in JSON at position 41": the position, as a line and column.
    const at = Number(/position (\d+)/.exec((err as Error).message)?.[1] ?? 0);
    const before = text.slice(0, at).split("\n");
    const pos = { line: before.length, col: before.at(-1)!.length + 1 };
    return {
      problems: [{ file, ...pos, path: "", message: `is not valid JSON: ${(err as Error).message}` }],
    };
  }
  const errors = checkFamily(data);
  const wrong = errors
    .filter((e) => e.keyword !== "oneOf" && e.keyword !== "not")
    .slice(0, 10)
    .map((e) => {
      const at = e.instancePath
        .split("/")
        .slice(1)
        .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
      const extra = (e.params as { additionalProperty?: string }).additionalProperty;
      return { at, key: extra, message: `${e.message ?? "is not valid"}${extra ? ` (${extra})` : ""}` };
    });
  if (errors.length > 0 && wrong.length === 0)
    return {
      problems: [
        { file, line: 1, col: 1, path: "", message: "does not match schemas/video-model.schema.json" },
      ],
    };
  const problems: Array<{ at: string[]; key?: string | undefined; message: string }> =
    wrong.length > 0 ? wrong : modeValueProblems(data as FamilyDoc);
  if (problems.length === 0) return { family: data as FamilyDoc };
  // Only a file with something wrong is parsed again, with positions (YAML's parser reads JSON).
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  return {
    problems: problems.map((p) => {
      const node = doc.getIn(p.at, true) as Node | undefined;
      const key = p.key ? keyNode(node, p.key) : undefined;
      const pos = lines.linePos((key ?? node)?.range?.[0] ?? 0);
      return { file, ...pos, path: [...p.at, ...(p.key ? [p.key] : [])].join("."), message: p.message };
    }),
  };
}

function keyNode(node: Node | undefined, key: string): Node | undefined {
  if (!isMap(node)) return undefined;
  const pair = node.items.find((i) => isPair(i) && isScalar(i.key) && String(i.key.value) === key);
  return pair?.key as Node | undefined;
}
