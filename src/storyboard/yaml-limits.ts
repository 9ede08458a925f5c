// Limits that keep hostile YAML from exhausting memory or the stack in later stages: nesting depth is measured
// on the parsed document (iteratively, so the measuring itself cannot overflow), and alias expansion is capped
// when the document is turned into data.
import { isMap, isPair, isScalar, isSeq, visit, type Document, type LineCounter } from "yaml";
import type { Problem } from "../errors.js";

// A storyboard nests five levels deep (shots[].trim.start); 64 leaves room for anything real.
export const MAX_DEPTH = 64;
// Aliases a document may expand; a "billion laughs" file needs thousands.
export const MAX_ALIASES = 100;

type Position = Omit<Problem, "file" | "path">;

// Where the nesting first goes deeper than MAX_DEPTH, if it does.
export function tooDeep(doc: Document.Parsed, lineCounter: LineCounter): Position | undefined {
  const stack: Array<[unknown, number]> = [[doc.contents, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > MAX_DEPTH) {
      const pos = lineCounter.linePos(node.range?.[0] ?? 0);
      return {
        line: pos.line,
        col: pos.col,
        message: `invalid YAML: nested more than ${MAX_DEPTH} levels deep`,
      };
    }
    for (const item of node.items as unknown[]) {
      if (isPair(item)) {
        stack.push([item.key, depth + 1], [item.value, depth + 1]);
      } else stack.push([item, depth + 1]);
    }
  }
  return undefined;
}

// `<<` merge keys are YAML 1.1; storyboards are YAML 1.2, where `<<` is an ordinary (and unknown) key. Merging is
// not supported rather than enabled: a merged value has no line of its own in the shot, so its errors could not
// be pointed at, and `defaults:` already shares values between shots.
export function mergeKeys(doc: Document.Parsed, lineCounter: LineCounter): Position[] {
  const found: Position[] = [];
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === "<<" && pair.key.type === "PLAIN" && pair.key.range) {
        const pos = lineCounter.linePos(pair.key.range[0]);
        found.push({
          line: pos.line,
          col: pos.col,
          message:
            "merge keys (<<) are not supported: write the keys out in each shot, or put values every shot shares in defaults:",
        });
      }
    },
  });
  return found;
}
