// `storyreel init` (in process) gives a storyboard that validates and renders at once.
// (Several storyboards sharing one cache: "render manifests/*.yaml" in render-film.test.ts.)
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { listFiles, REPO, runInProcess, tempDir } from "../testkit/cli.js";

test("init scaffolds a commented storyboard that validates and renders with the preview provider", async () => {
  const cwd = await tempDir("storyreel-init-");
  const init = await runInProcess(["init", "my-film"], { cwd });
  assert.equal(init.exitCode, 0, init.stderr);
  assert.deepEqual(await listFiles(path.join(cwd, "my-film")), [
    "images/closing.png",
    "images/opening.png",
    "storyboard.yaml",
  ]);
  const text = await readFile(path.join(cwd, "my-film", "storyboard.yaml"), "utf8");
  assert.match(text, /^# yaml-language-server: \$schema=\S+schemas\/storyboard\.schema\.json$/m);
  const schema = /\$schema=(\S+)/.exec(text)![1]!;
  assert.equal(path.resolve(cwd, "my-film", schema), path.join(REPO, "schemas", "storyboard.schema.json"));
  assert.equal((await runInProcess(["validate", "my-film/storyboard.yaml"], { cwd })).exitCode, 0);
  const render = await runInProcess(["render", "my-film/storyboard.yaml", "--provider", "preview"], { cwd });
  assert.equal(render.exitCode, 0, render.stderr);
  assert.match(render.stdout, /out\/my-film\.mp4: 9\.5 s, 2 shots/);
  const files = await listFiles(path.join(cwd, "out"));
  for (const f of ["my-film.mp4", "my-film.html", "my-film.report.json"])
    assert.ok(files.includes(f), `${f} missing`);
  const again = await runInProcess(["init", "my-film"], { cwd });
  assert.equal(again.exitCode, 2);
  assert.match(again.stderr, /already exists; storyreel init never overwrites/);
});
