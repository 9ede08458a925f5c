// An unchanged storyboard is read from the parse cache (no YAML parse), with the same data, and positions for
// errors still found by parsing on demand; values JSON cannot keep exactly are never cached.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { parseCache } from "../../src/project/parse-cache.js";
import { loadStoryboard } from "../../src/storyboard/load.js";
import { positionOf } from "../../src/storyboard/positions.js";

test("a cached parse gives the same data, and positions on demand", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-parse-"));
  const cacheDir = path.join(dir, "cache");
  await mkdir(path.join(cacheDir, "clips"), { recursive: true });
  const file = path.join(dir, "board.yaml");
  await writeFile(file, "version: 1\nshots:\n  - id: a\n    image: x.png\n    prompt: hello\n");
  const cache = parseCache(cacheDir);
  const first = await loadStoryboard(file, dir, cache);
  assert.equal((await readdir(path.join(cacheDir, "parsed"))).length, 1);
  let parsed = 0;
  const counting = {
    get: async (t: string) => {
      parsed++;
      return cache.get(t);
    },
    put: cache.put,
  };
  const second = await loadStoryboard(file, dir, counting);
  assert.equal(parsed, 1);
  assert.deepEqual(second.data, first.data);
  assert.deepEqual(positionOf(second, ["shots", 0, "prompt"]), positionOf(first, ["shots", 0, "prompt"]));
  assert.equal(positionOf(second, ["shots", 0, "prompt"]).line, 5);
});

test("a storyboard with a value JSON cannot keep (.inf) is not cached; a fresh folder gets no cache", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-parse-"));
  const inUse = path.join(dir, "cache");
  await mkdir(path.join(inUse, "clips"), { recursive: true });
  const file = path.join(dir, "board.yaml");
  await writeFile(
    file,
    "version: 1\nshots:\n  - id: a\n    image: x.png\n    prompt: p\n    duration: .inf\n",
  );
  await loadStoryboard(file, dir, parseCache(inUse));
  assert.deepEqual(await readdir(inUse), ["clips"]);
  const fresh = path.join(dir, "fresh-cache");
  await writeFile(file, "version: 1\nshots: []\n");
  await loadStoryboard(file, dir, parseCache(fresh));
  await assert.rejects(readdir(fresh), /ENOENT/);
});
