// Paths are relative to the folder storyreel runs in: a storyboard whose own folder holds its cache, planned or
// rendered from elsewhere, is told so before anything is made (and paid for) again.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { runInProcess } from "../../testkit/cli.js";
import { TINY_PREVIEWS } from "../../testkit/tiny-provider.js";
import { makeProject, shots } from "../helpers/project.js";

test("a cache beside the storyboard that this run does not use is named; a chosen cache is not second-guessed", async () => {
  const p = await makeProject({ storyboard: { version: 1, shots: shots(1, { audio: false }) } });
  const inside = await runInProcess(["render", "storyboard.yaml", "--provider", "preview"], {
    cwd: p.dir,
    env: TINY_PREVIEWS,
  });
  assert.equal(inside.exitCode, 0, inside.stderr);
  assert.doesNotMatch(inside.stderr, /note: this run's cache/);
  const parent = path.dirname(p.dir);
  const name = path.basename(p.dir);
  const elsewhere = await runInProcess(["plan", `${name}/storyboard.yaml`, "--provider", "preview"], {
    cwd: parent,
  });
  assert.equal(elsewhere.exitCode, 0, elsewhere.stderr);
  assert.match(
    elsewhere.stderr,
    new RegExp(
      `note: this run's cache is out/cache .* and ${name}/out/cache beside the storyboard holds earlier outputs this run does not see\\. Run from ${name}, or pass --cache-dir ${name}/out/cache`,
    ),
  );
  const chosen = await runInProcess(
    ["plan", `${name}/storyboard.yaml`, "--provider", "preview", "--cache-dir", "somewhere"],
    { cwd: parent },
  );
  assert.doesNotMatch(chosen.stderr, /note: this run's cache/);
});
