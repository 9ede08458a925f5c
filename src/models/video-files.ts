// Reading video model family files: each checked against schemas/video-model.schema.json, a bad one named by
// its file, line and column (a project's own model file is input like the storyboard).
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { ErrorObject, ValidateFunction } from "ajv";
import { LineCounter, parseDocument, type Node } from "yaml";
import type { Problem } from "../errors.js";
import { SCHEMA_DIR } from "../paths.js";
import { isMissing } from "../util/fs.js";
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
export function readFamilies(dir: string, origin: VideoFamily["origin"], shownDir = dir): FamilyFiles {
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
    const shown = path.join(shownDir, name);
    const text = readFileSync(file, "utf8");
    const read = origin === "shipped" ? { family: JSON.parse(text) as FamilyDoc } : readFamily(text, shown);
    if ("problems" in read) out.problems.push(...read.problems);
    else out.families.push({ ...read.family, file: shown, origin });
  }
  return out;
}

export function readFamily(text: string, file: string): { family: FamilyDoc } | { problems: Problem[] } {
  // Most files are valid JSON: parsed as such; YAML's parser (slower, with positions) only names what is wrong.
  const quick = parsed(text);
  if (quick !== undefined && checkFamily(quick).length === 0) return { family: quick as FamilyDoc };
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = lines.linePos(e.pos[0]);
    return {
      problems: [{ file, ...pos, path: "", message: `is not valid JSON: ${e.message.split("\n")[0]}` }],
    };
  }
  const data = doc.toJS();
  const errors = checkFamily(data);
  if (errors.length === 0) return { family: data as FamilyDoc };
  const problems = errors
    .filter((e) => e.keyword !== "oneOf" && e.keyword !== "not")
    .slice(0, 10)
    .map((e) => {
      const at = e.instancePath
        .split("/")
        .slice(1)
        .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
      const node = doc.getIn(at, true) as Node | undefined;
      const pos = lines.linePos(node?.range?.[0] ?? 0);
      const extra =
        e.keyword === "additionalProperties"
          ? ` (${String((e.params as { additionalProperty: string }).additionalProperty)})`
          : "";
      return { file, ...pos, path: at.join("."), message: `${e.message ?? "is not valid"}${extra}` };
    });
  return {
    problems:
      problems.length > 0
        ? problems
        : [{ file, line: 1, col: 1, path: "", message: "does not match schemas/video-model.schema.json" }],
  };
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
