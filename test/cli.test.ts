// The CLI surface: help, version, exit codes, and errors on stderr.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { REPO, storyreel } from "./helpers/cli.js";

test("--help lists the commands and exit codes on stdout", async () => {
  const r = await storyreel(["--help"]);
  assert.equal(r.exitCode, 0);
  for (const word of ["validate", "plan", "render", "Exit codes"]) assert.match(r.stdout, new RegExp(word));
  assert.equal(r.stderr, "");
});

test("--version prints package.json's version", async () => {
  const r = await storyreel(["--version"]);
  assert.equal(r.stdout.trim(), JSON.parse(readFileSync(`${REPO}/package.json`, "utf8")).version);
});

test("an unknown command or option is exit 2 with usage on stderr", async () => {
  const cmd = await storyreel(["rendr"]);
  assert.equal(cmd.exitCode, 2);
  assert.match(cmd.stderr, /unknown command "rendr"/);
  const opt = await storyreel(["plan", "manifests/demo.yaml", "--provder", "fal"]);
  assert.equal(opt.exitCode, 2);
  assert.match(opt.stderr, /Unknown option '--provder'/);
  const prov = await storyreel(["plan", "manifests/demo.yaml", "--provider", "replicate"]);
  assert.equal(prov.exitCode, 2);
  assert.match(prov.stderr, /--provider must be fal or preview/);
});

test("validate the demo storyboard: exit 0, a summary on stdout", async () => {
  const r = await storyreel(["validate", "manifests/demo.yaml"]);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /manifests\/demo\.yaml: valid: 5 shots/);
});

test("a missing storyboard file names the file", async () => {
  const r = await storyreel(["validate", "manifests/nope.yaml"]);
  assert.equal(r.exitCode, 2);
  assert.equal(r.stderr.trim(), "manifests/nope.yaml: file not found");
});

test("doctor names the binaries, their capabilities and whether FAL_KEY is set, never its value", async () => {
  const r = await storyreel(["doctor", "--cache-dir", "/nonexistent-cache"], {
    env: { FAL_KEY: "sk-doctor-secret" },
  });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /^ffmpeg\s+\S+ffmpeg \((path|env|bundled)\), version \S+/m);
  assert.match(r.stdout, /^filters\s+xfade: (yes|no)/m);
  assert.match(r.stdout, /^FAL_KEY\s+set$/m);
  assert.match(r.stdout, /cache\s+\/nonexistent-cache: 0 clips, 0\.0 MB/);
  assert.doesNotMatch(r.stdout + r.stderr, /sk-doctor-secret/);
});
