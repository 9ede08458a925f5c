// Arrows point down only: cli -> commands -> pipeline -> stages -> adapters -> utilities, with no cycles.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { cycles as findCycles } from "../../src/storyboard/graph-check.js";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

// Top to bottom. A file may import from its own layer's folder or from any layer below it.
// The stages are ordered too, so that each may use only the ones after it.
const LAYERS: string[][] = [
  ["index.ts"],
  ["cli.ts"],
  ["commands"],
  ["studio"],
  ["pipeline"],
  ["export"],
  ["report"],
  ["stitch"],
  ["steps"],
  ["providers"],
  ["plan"],
  ["storyboard"],
  ["init"],
  ["cache", "project"],
  ["media"],
  ["models"],
  ["util", "errors.ts", "paths.ts"],
];

type Graph = Map<string, string[]>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => f.split(path.sep).join("/"));
}

// Every relative import, static or dynamic, type-only included, resolved to a file under src/.
function importGraph(dir: string): Graph {
  const graph: Graph = new Map();
  for (const file of sourceFiles(dir)) {
    const text = readFileSync(path.join(dir, file), "utf8");
    const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)["'](\.[^"']+)["']/g)].map(
      (m) => m[1]!,
    );
    const targets = specs.map((s) =>
      path.posix.normalize(path.posix.join(path.posix.dirname(file), s)).replace(/\.js$/, ".ts"),
    );
    graph.set(file, targets);
  }
  return graph;
}

function layerOf(file: string): number {
  const top = file.split("/")[0]!;
  const i = LAYERS.findIndex((names) => names.includes(top));
  if (i < 0)
    throw new Error(`src/${file} is in no layer: add its folder to LAYERS in test/unit/layering.test.ts`);
  return i;
}

export function upwardArrows(graph: Graph): string[] {
  const bad: string[] = [];
  for (const [from, targets] of graph)
    for (const to of targets) if (layerOf(to) < layerOf(from)) bad.push(`${from} -> ${to}`);
  return bad;
}

// Tarjan's strongly connected components (the storyboard's own cycle finder): any of two or more files is a cycle.
export function cycles(graph: Graph): string[][] {
  return findCycles(graph).map((c) => [...c].sort());
}

test("every import in src/ points down the layers", () => {
  const graph = importGraph(SRC);
  assert.ok(graph.size > 50, "the import graph was read");
  for (const targets of graph.values()) for (const t of targets) assert.ok(graph.has(t), `${t} exists`);
  assert.deepEqual(upwardArrows(graph), []);
});

test("src/ has no import cycles", () => {
  assert.deepEqual(cycles(importGraph(SRC)), []);
});

test("the checks catch an upward arrow and a cycle", () => {
  const graph: Graph = new Map([
    ["cache/store.ts", ["pipeline/render.ts"]],
    ["pipeline/render.ts", ["cache/store.ts"]],
    ["storyboard/a.ts", ["storyboard/b.ts"]],
    ["storyboard/b.ts", ["storyboard/a.ts"]],
    ["plan/plan.ts", ["storyboard/a.ts", "util/hash.ts"]],
    ["util/hash.ts", []],
  ]);
  assert.deepEqual(upwardArrows(graph), ["cache/store.ts -> pipeline/render.ts"]);
  assert.deepEqual(cycles(graph).sort(), [
    ["cache/store.ts", "pipeline/render.ts"],
    ["storyboard/a.ts", "storyboard/b.ts"],
  ]);
});
