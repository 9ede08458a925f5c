// What people read: counted nouns, rounded seconds, hints for misspelt options, the first problem first,
// and paths as they are now.
import assert from "node:assert/strict";
import { rename } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { runInProcess, tempDir } from "../../testkit/cli.js";
import { renderTiny } from "../../testkit/render.js";
import { makeProject, shots } from "../helpers/project.js";

test("one shot is '1 shot'; a misspelt option gets a hint; a missing file comes before a missing FAL_KEY", async () => {
  const p = await makeProject({ storyboard: { version: 1, shots: shots(1) } });
  const valid = await runInProcess(["validate", p.file]);
  assert.match(valid.stdout, /valid: 1 shot, 5 s of clips/);
  const plan = await runInProcess(["plan", p.file, "--provider", "preview"]);
  assert.match(plan.stdout, /^1 shot, 5 s of clips: 1 to generate/m);
  const typo = await runInProcess(["render", p.file, "--concurency", "2"]);
  assert.equal(typo.exitCode, 2);
  assert.match(typo.stderr, /Unknown option '--concurency' \(did you mean --concurrency\?\)/);
  const missing = await runInProcess(["render", "nope.yaml"], { cwd: p.dir });
  assert.equal(missing.exitCode, 2);
  assert.equal(missing.stderr.trim(), "nope.yaml: file not found");
});

test("seconds in messages are rounded: 'keeps 0.2 s', never 0.19999999999999998", async () => {
  const board = { version: 1, shots: shots(2) };
  board.shots[0]!.trim = { start: 0.1, end: 0.3 };
  board.shots[1]!.transition = { type: "crossfade", duration: 0.5 };
  const p = await makeProject({ storyboard: board });
  const r = await runInProcess(["validate", p.file]);
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /shot "s1" keeps 0\.2 s and its transitions would take 0\.5 s of it/);
  assert.doesNotMatch(r.stderr, /\d\.\d{5,}/);
});

test("'up to date' names the film where it is now, after the project folder moved", async () => {
  const p = await makeProject({ storyboard: { version: 1, shots: shots(1) } });
  await renderTiny(p.file, p.dir, "cache");
  const moved = path.join(await tempDir("storyreel-moved-"), "project");
  await rename(p.dir, moved);
  const r = await runInProcess(
    ["render", "storyboard.yaml", "--provider", "preview", "--cache-dir", "cache"],
    {
      cwd: moved,
    },
  );
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stdout, "out/storyboard.mp4 is up to date (1 shot, 5.0 s)\n");
});
