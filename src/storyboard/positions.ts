// Turn a data path (["shots", 2, "duration"]) into a file position and a readable name (shots[2].duration).
import { isMap, isPair, isScalar, type Node } from "yaml";
import type { LoadedStoryboard } from "./load.js";

export type DataPath = Array<string | number>;

export function describePath(p: DataPath): string {
  return p.map((seg, i) => (typeof seg === "number" ? `[${seg}]` : i === 0 ? seg : `.${seg}`)).join("");
}

// The line:col of the node at `p`; with `key`, of that key inside the mapping at `p`. Falls back to the nearest ancestor.
export function positionOf(
  loaded: LoadedStoryboard,
  p: DataPath,
  key?: string,
): { line: number; col: number } {
  for (let depth = p.length; depth >= 0; depth--) {
    const node = loaded.doc.getIn(p.slice(0, depth), true) as Node | undefined;
    const target = key !== undefined && depth === p.length ? (keyNode(node, key) ?? node) : node;
    const offset = target?.range?.[0];
    if (offset !== undefined) return loaded.lineCounter.linePos(offset);
  }
  const root = loaded.doc.contents?.range?.[0] ?? 0;
  return loaded.lineCounter.linePos(root);
}

// Where `text` is first written inside the value at `p` (its line:col), or the value's own position.
export function positionOfText(
  loaded: LoadedStoryboard,
  p: DataPath,
  text: string,
  nth = 0,
): { line: number; col: number } {
  const node = loaded.doc.getIn(p, true) as Node | undefined;
  const range = node?.range;
  if (range) {
    const source = loaded.text.slice(range[0], range[1]);
    let found = source.indexOf(text);
    for (let i = 0; i < nth && found >= 0; i++) found = source.indexOf(text, found + 1);
    if (found >= 0) return loaded.lineCounter.linePos(range[0] + found);
  }
  return positionOf(loaded, p);
}

// JSON Pointer ("/shots/2/duration") to a data path, unescaping ~1 and ~0.
export function pointerToPath(pointer: string): DataPath {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function keyNode(node: Node | undefined, key: string): Node | undefined {
  if (!isMap(node)) return undefined;
  for (const item of node.items) {
    if (isPair(item) && isScalar(item.key) && String(item.key.value) === key) return item.key;
  }
  return undefined;
}
