// The launcher starts the bundled CLI from V8's code cache (bin/load-cli.js, written by the build): a fresh
// process takes the cache, every import() of the bundle goes through the launcher (a cached script has none of
// its own on Node 20), and a command that loads modules on demand works from a cached start.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { assertBuildFresh, REPO, storyreel } from "../../testkit/cli.js";

const BUNDLE = path.join(REPO, "dist", "cli.bundle.cjs");

test("a fresh process starts the bundle from the code cache the build wrote", () => {
  assertBuildFresh();
  assert.ok(existsSync(`${BUNDLE}.cache`), "the build writes dist/cli.bundle.cjs.cache");
  const taken = execFileSync(
    process.execPath,
    ["-e", 'console.log(require("./bin/load-cli.js").compileBundle().cached)'],
    { cwd: REPO, encoding: "utf8" },
  );
  assert.equal(taken.trim(), "true");
});

test("the bundle has no import() of its own: each goes through the launcher", () => {
  const text = readFileSync(BUNDLE, "utf8");
  assert.doesNotMatch(text, /\bimport\(/);
  assert.match(text, /__storyreelImport\("\.\/execa\.bundle\.js"\)/);
});

test("a command that loads execa and the ffmpeg locators on demand works from a cached start", async () => {
  const r = await storyreel(["doctor"], { env: { FAL_KEY: undefined } });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /ffmpeg/);
  assert.doesNotMatch(r.stderr, /ExperimentalWarning|dynamic import/);
});
