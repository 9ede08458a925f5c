// Edits from the studio's page written into the storyboard's own text: each value is replaced where it stands
// (or its key added beside its siblings), so every comment, key order, quote style and blank line of the rest
// of the file stays byte for byte. The yaml package's Document gives each node's place in the text.
import { isMap, isScalar, type Node, parseDocument, type YAMLMap } from "yaml";
import { UsageError } from "../errors.js";
import { insertPair, removePair, replaceNode } from "./edit-text.js";

export interface Edit {
  shot?: string;
  still?: string;
  field: "prompt" | "duration" | "transition";
  value: unknown;
}

const SHOT_FIELDS = new Set(["prompt", "duration", "transition"]);
const STILL_FIELDS = new Set(["prompt"]);

export function applyEdits(text: string, edits: readonly Edit[]): string {
  let out = text;
  // One at a time, each on the text the last one left: every place is read afresh.
  for (const edit of edits) out = applyEdit(out, edit);
  return out;
}

function applyEdit(text: string, edit: Edit): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new UsageError(`the storyboard does not parse: ${doc.errors[0]!.message}`);
  const target = targetMap(doc.contents as Node | null, edit);
  const value = checkedValue(edit);
  const pair = target.items.find((p) => isScalar(p.key) && p.key.value === edit.field);
  if (edit.field === "transition" && isMap(pair?.value))
    return editMap(text, edit, value as Record<string, unknown>);
  if (pair?.value) return replaceNode(text, pair.value as Node, value);
  return insertPair(text, target, edit.field, value);
}

// A transition written as its own map keeps its form: its type and duration are set where they are, and a
// duration a cut does not have is taken out. The map is looked up afresh after each change.
function editMap(text: string, edit: Edit, value: Record<string, unknown>): string {
  let out = text;
  for (const key of ["type", "duration"]) {
    const shot = targetMap(parseDocument(out).contents as Node | null, edit);
    const map = shot.get("transition", true) as unknown as YAMLMap;
    const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
    if (value[key] === undefined) {
      if (pair) out = removePair(out, map, pair);
    } else if (pair?.value) out = replaceNode(out, pair.value as Node, value[key]);
    else out = insertPair(out, map, key, value[key]);
  }
  return out;
}

function targetMap(root: Node | null, edit: Edit): YAMLMap {
  if (!isMap(root)) throw new UsageError("the storyboard is not a map of keys");
  if (edit.shot !== undefined) {
    if (!SHOT_FIELDS.has(edit.field)) throw new UsageError(`a shot's ${edit.field} cannot be edited here`);
    const shots = root.get("shots", true) as Node | undefined;
    const items = shots && "items" in shots ? (shots as { items: Node[] }).items : [];
    const shot = items.find((s) => isMap(s) && s.get("id") === edit.shot);
    if (!shot) throw new UsageError(`the storyboard has no shot "${edit.shot}"`);
    return shot as YAMLMap;
  }
  if (edit.still !== undefined) {
    if (!STILL_FIELDS.has(edit.field)) throw new UsageError(`a still's ${edit.field} cannot be edited here`);
    const still = (root.get("stills", true) as YAMLMap | undefined)?.get?.(edit.still, true);
    if (!isMap(still)) throw new UsageError(`the storyboard has no still "${edit.still}"`);
    return still as YAMLMap;
  }
  throw new UsageError("an edit names a shot or a still");
}

// The value as the storyboard writes it; validate checks the rest (a duration the model makes, say).
function checkedValue(edit: Edit): unknown {
  const v = edit.value;
  if (edit.field === "prompt") {
    if (typeof v !== "string") throw new UsageError("a prompt is text");
    return v;
  }
  if (edit.field === "duration") {
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new UsageError("a duration is a number of seconds");
    return v;
  }
  if (!v || typeof v !== "object" || Array.isArray(v))
    throw new UsageError("a transition is { type, duration }");
  const { type, duration } = v as { type?: unknown; duration?: unknown };
  if (typeof type !== "string") throw new UsageError("a transition has a type: cut, crossfade or fade");
  if (duration !== undefined && (typeof duration !== "number" || !Number.isFinite(duration)))
    throw new UsageError("a transition's duration is a number of seconds");
  return type === "cut" || duration === undefined ? { type } : { type, duration };
}
