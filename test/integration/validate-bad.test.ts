// The bad-storyboard corpus, run in process: each case exits 2 with exactly the expected positioned errors, no stack trace, nothing written.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { listFiles, REPO, runInProcess, tempDir } from "../../testkit/cli.js";

const dir = path.join(REPO, "test", "fixtures", "bad");
const cases = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

test("the corpus has at least 40 cases, each with an expected-error file", () => {
  assert.ok(cases.length >= 40, `only ${cases.length} cases`);
  for (const c of cases)
    assert.ok(readdirSync(dir).includes(c.replace(/\.yaml$/, ".expected")), `${c} has no .expected file`);
});

describe("bad storyboards", () => {
  for (const name of cases) {
    test(`bad storyboard ${name}`, async () => {
      const file = path.join(dir, name);
      const expected = readFileSync(file.replace(/\.yaml$/, ".expected"), "utf8")
        .replaceAll("{file}", file)
        .trimEnd();
      const cwd = await tempDir();
      const before = await listFiles(dir);
      const result = await runInProcess(["validate", file], { cwd });
      assert.equal(result.exitCode, 2);
      assert.equal(result.stderr.trimEnd(), expected);
      assert.equal(result.stdout, "");
      assert.doesNotMatch(result.stderr, /^\s+at /m, "no stack trace");
      assert.match(result.stderr, /^\S+:\d+:\d+: /, "every error starts with file:line:col");
      assert.deepEqual(await listFiles(cwd), [], "nothing written to the working directory");
      assert.deepEqual(await listFiles(dir), before, "nothing written next to the storyboard");
    });
  }
});

test("plan refuses a bad storyboard the same way, before anything else", async () => {
  const file = path.join(dir, "33-duration-7.yaml");
  const result = await runInProcess(["plan", file], { cwd: await tempDir() });
  assert.equal(result.exitCode, 2);
  assert.match(result.stderr, /33-duration-7\.yaml:6:15: shots\[0\]\.duration: must be 5 or 10 \(got 7\)/);
});
