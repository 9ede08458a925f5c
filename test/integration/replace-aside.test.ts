// A film replaced by its new version through an aside name: the new bytes under the name, nothing left beside
// it, and the old film back under its name when the new one cannot be moved in.
import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { replaceAside, tempSibling } from "../../src/cache/atomic.js";
import { tempDir } from "../../testkit/cli.js";

test("a film is replaced through an aside name and nothing is left beside it", async () => {
  const dir = await tempDir("storyreel-replace-");
  const film = path.join(dir, "film.mp4");
  // No film yet: the new one is simply moved in.
  const first = tempSibling(film);
  await writeFile(first, "first cut");
  await replaceAside(first, film);
  assert.equal(await readFile(film, "utf8"), "first cut");
  const second = tempSibling(film);
  await writeFile(second, "second cut");
  await replaceAside(second, film);
  assert.equal(await readFile(film, "utf8"), "second cut");
  assert.deepEqual(await readdir(dir), ["film.mp4"]);
});

test("when the new film cannot be moved in, the old one keeps its name", async () => {
  const dir = await tempDir("storyreel-replace-");
  const film = path.join(dir, "film.mp4");
  await writeFile(film, "the old cut");
  await assert.rejects(replaceAside(path.join(dir, "missing.tmp"), film), { code: "ENOENT" });
  assert.equal(await readFile(film, "utf8"), "the old cut");
  assert.deepEqual(await readdir(dir), ["film.mp4"]);
});
