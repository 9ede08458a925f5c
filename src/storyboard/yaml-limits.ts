// Limits that keep hostile YAML from exhausting memory or the stack: nesting depth is measured before the
// parser sees the text, and alias expansion is capped when it is turned into data.
import type { Problem } from "../errors.js";

// A storyboard nests five levels deep (shots[].trim.start); 64 leaves room for anything real.
export const MAX_DEPTH = 64;
// Aliases a document may expand; a "billion laughs" file needs thousands.
export const MAX_ALIASES = 100;

type Position = Omit<Problem, "file" | "path">;

// Where the nesting first goes deeper than MAX_DEPTH: flow brackets ([ {) and block indentation both count.
export function tooDeep(text: string): Position | undefined {
  const lines = text.split("\n");
  const indents: number[] = [];
  let flow = 0;
  for (const [n, line] of lines.entries()) {
    const content = line.search(/\S/);
    if (content >= 0 && line[content] !== "#" && flow === 0) {
      while (indents.length > 0 && indents[indents.length - 1]! >= content) indents.pop();
      indents.push(content);
      // "- - - x" nests a sequence per dash on one line.
      const dashes = /^(?:-\s+)+/.exec(line.slice(content))?.[0].match(/-/g)?.length ?? 0;
      if (indents.length + dashes > MAX_DEPTH) return deep(n + 1, content + 1);
    }
    let quote: string | undefined;
    for (let col = 0; col < line.length; col++) {
      const ch = line[col]!;
      if (quote) {
        if (ch === "\\" && quote === '"') col += 1;
        else if (ch === quote) quote = undefined;
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === "#" && (col === 0 || /\s/.test(line[col - 1]!))) break;
      else if (ch === "[" || ch === "{") {
        flow += 1;
        if (flow + indents.length > MAX_DEPTH) return deep(n + 1, col + 1);
      } else if ((ch === "]" || ch === "}") && flow > 0) flow -= 1;
    }
  }
  return undefined;
}

function deep(line: number, col: number): Position {
  return { line, col, message: `invalid YAML: nested more than ${MAX_DEPTH} levels deep` };
}
