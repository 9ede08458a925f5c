// Edits of the storyboard's YAML from the studio: a shot's prompt, duration or transition, a still's prompt.
// (A stand-in with the lead's signature: the Document API keeps the rest of the file; the lead's version replaces it.)
import { isMap, isSeq, parseDocument } from "yaml";
import { StoryboardError } from "../errors.js";

export interface Edit {
  shot?: string;
  still?: string;
  field: "prompt" | "duration" | "transition";
  value: unknown;
}

export function applyEdits(text: string, edits: Edit[]): string {
  const doc = parseDocument(text);
  for (const edit of edits) {
    const at = target(doc, edit);
    if (!at) {
      const what = edit.shot !== undefined ? `shot "${edit.shot}"` : `still "${edit.still}"`;
      throw new StoryboardError([{ file: "", path: "", message: `the storyboard has no ${what}` }]);
    }
    doc.setIn([...at, edit.field], edit.value);
  }
  return doc.toString();
}

function target(doc: ReturnType<typeof parseDocument>, edit: Edit): Array<string | number> | undefined {
  if (edit.still !== undefined) {
    const stills = doc.get("stills");
    return isMap(stills) && stills.has(edit.still) ? ["stills", edit.still] : undefined;
  }
  const shots = doc.get("shots");
  if (!isSeq(shots)) return undefined;
  const at = shots.items.findIndex((s) => isMap(s) && s.get("id") === edit.shot);
  return at >= 0 ? ["shots", at] : undefined;
}
