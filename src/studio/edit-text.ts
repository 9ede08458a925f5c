// The text of one edit: a value replaced in the range its node has in the file, a key added after its
// siblings at their indent (or inside a flow map's braces), a key taken out with its line. Values are written
// in the style the old one had where it can be (plain, quoted, a block of lines).
import { isScalar, type Node, type Pair, parse, Scalar, type YAMLMap } from "yaml";

export function replaceNode(text: string, node: Node, value: unknown): string {
  const [start, end] = node.range!;
  const old = text.slice(start, end);
  const style = isScalar(node) ? node.type : undefined;
  const indent = blockIndent(text, start, old);
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const rendered = render(value, style, indent, old.split(/\r?\n/)[0]).replace(/\n/g, eol);
  // A block scalar's range takes its last newline; a value written in its place ends its line the same way.
  const keepNewline = old.endsWith("\n") && !rendered.endsWith("\n") ? eol : "";
  return text.slice(0, start) + rendered + keepNewline + text.slice(end);
}

export function insertPair(text: string, map: YAMLMap, key: string, value: unknown): string {
  if (map.flow) {
    // Before the closing brace, after the last non-blank character: "{ id: b, prompt: x, duration: 5 }".
    const close = map.range![1] - 1;
    let at = close;
    while (at > 0 && /\s/.test(text[at - 1]!)) at--;
    const comma = map.items.length > 0 ? ", " : "";
    return `${text.slice(0, at)}${comma}${key}: ${render(value, undefined, "")}${text.slice(at)}`;
  }
  const first = map.items[0]!;
  const keyStart = (first.key as Node).range![0];
  const indent = " ".repeat(keyStart - lineStart(text, keyStart));
  const last = map.items.at(-1)!;
  const end = ((last.value ?? last.key) as Node).range![1];
  // On the line after the one the last value ends on (its comment included).
  const at = text[end - 1] === "\n" ? end : Math.min(text.length, lineEnd(text, end) + 1);
  // A file written with CRLF gets its new line with CRLF too.
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const line = `${indent}${key}: ${render(value, undefined, `${indent}  `)}${eol}`;
  const before = text.slice(0, at);
  return `${before}${before.endsWith("\n") || before === "" ? "" : eol}${line}${text.slice(at)}`;
}

export function removePair(text: string, map: YAMLMap, pair: Pair): string {
  const keyStart = (pair.key as Node).range![0];
  const end = ((pair.value ?? pair.key) as Node).range![1];
  if (map.flow) {
    // Its text and the comma before it (or after it, when it comes first).
    const i = map.items.indexOf(pair);
    if (i > 0) {
      const prev = (map.items[i - 1]!.value ?? map.items[i - 1]!.key) as Node;
      return text.slice(0, prev.range![1]) + text.slice(end);
    }
    const next = map.items[1] && (map.items[1].key as Node).range![0];
    return text.slice(0, keyStart) + text.slice(next ?? end);
  }
  const from = lineStart(text, keyStart);
  const to = text[end - 1] === "\n" ? end : Math.min(text.length, lineEnd(text, end) + 1);
  return text.slice(0, from) + text.slice(to);
}

// A value as YAML text: a number as itself; a map as a flow map; text plain when it reads back as the same
// text, else in the old quotes, else double-quoted (JSON's escapes are YAML's), or as a block when it was one.
export function render(
  value: unknown,
  style: Scalar.Type | undefined,
  indent: string,
  // A block scalar's header as it was ("|", "|-", ">"): kept when the text has one line.
  header?: string,
): string {
  if (typeof value === "number") return String(value);
  if (value && typeof value === "object")
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${k}: ${render(v, undefined, indent)}`)
      .join(", ")} }`;
  const s = String(value);
  // The chomping follows the new text (a kept header could add or drop its last newline); folded becomes literal.
  if ((style === Scalar.BLOCK_LITERAL || style === Scalar.BLOCK_FOLDED) && s.length > 0)
    return `${header === (s.endsWith("\n") ? "|" : "|-") ? header : `|${s.endsWith("\n") ? "" : "-"}`}\n${s
      .replace(/\n$/, "")
      .split("\n")
      .map((l) => (l ? indent + l : ""))
      .join("\n")}\n`;
  if (style === Scalar.QUOTE_SINGLE && !s.includes("\n")) return `'${s.replace(/'/g, "''")}'`;
  if (style !== Scalar.QUOTE_DOUBLE && readsBack(s)) return s;
  return JSON.stringify(s);
}

// Plain only when it reads back the same both as a block value and inside a flow map's braces (where `,`, `[`
// and `{` mean something), so the same text is safe wherever the value stands.
function readsBack(s: string): boolean {
  if (s === "" || s !== s.trim() || s.includes("\n")) return false;
  try {
    return (
      (parse(`v: ${s}`) as { v?: unknown })?.v === s && (parse(`{ v: ${s} }`) as { v?: unknown })?.v === s
    );
  } catch {
    return false;
  }
}

// The indent of a block scalar's lines (two past its key's line), else none.
function blockIndent(text: string, start: number, old: string): string {
  const key = text.slice(lineStart(text, start), start).match(/^\s*/)![0];
  const first = old.split("\n")[1];
  return first?.match(/^\s+/)?.[0] ?? `${key}  `;
}

function lineStart(text: string, at: number): number {
  return text.lastIndexOf("\n", at - 1) + 1;
}

function lineEnd(text: string, at: number): number {
  const n = text.indexOf("\n", at);
  return n < 0 ? text.length : n;
}
