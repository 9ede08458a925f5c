#!/usr/bin/env node
// Runs test tiers on plain node, from the test build (scripts/build.mjs --tests, which this runs first: the
// tests that start bin/storyreel.js need a fresh dist/ too).
//   node scripts/test.mjs [unit] [integration] [e2e] [--watch] [--concurrency N]
// No tier named: all three. `npm test` runs all of them after the linter and the type-check; `npm run test:fast`
// runs unit and integration only. --watch rebuilds on every change under src/, test/ and testkit/ and node:test
// reruns the test files whose compiled code changed (new test files need a restart). The files start slowest
// first, by their times in the last run (scripts/test-durations.mjs), so the ones that mostly wait overlap the rest.
import { execFileSync, spawn } from "node:child_process";
import { readdirSync, watch } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readDurations, testName } from "./test-durations.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const TEST_BUILD = path.join(ROOT, "node_modules", ".cache", "storyreel-tests", "test");
const TIERS = ["unit", "integration", "e2e"];

const args = process.argv.slice(2);
const watching = args.includes("--watch");
const at = args.indexOf("--concurrency");
const concurrency = at >= 0 ? args[at + 1] : "2";
const named = args.filter((a) => TIERS.includes(a));
const unknown = args.filter(
  (a, i) => !TIERS.includes(a) && a !== "--watch" && (at < 0 || (i !== at && i !== at + 1)),
);
if (unknown.length > 0 || !/^[1-9]\d*$/.test(concurrency ?? "")) {
  console.error(
    `usage: node scripts/test.mjs [${TIERS.join("] [")}] [--watch] [--concurrency N]` +
      (unknown.length > 0 ? ` (unknown: ${unknown.join(" ")})` : ""),
  );
  process.exit(2);
}
const tiers = named.length > 0 ? named : TIERS;

const buildOnce = () =>
  execFileSync(process.execPath, [path.join(ROOT, "scripts", "build.mjs"), "--no-types", "--tests"], {
    cwd: ROOT,
    stdio: "inherit",
  });
buildOnce();

const took = readDurations();
const files = tiers
  .flatMap((tier) =>
    readdirSync(path.join(TEST_BUILD, tier))
      .filter((f) => f.endsWith(".test.js"))
      .sort()
      .map((f) => `${tier}/${f}`),
  )
  .sort((a, b) => (took[testName(b)] ?? 0) - (took[testName(a)] ?? 0))
  .map((f) => path.join(TEST_BUILD, f));
const child = spawn(
  process.execPath,
  [
    "--enable-source-maps",
    "--test",
    `--test-concurrency=${concurrency}`,
    ...(watching ? ["--watch"] : []),
    `--test-reporter=${process.stdout.isTTY ? "spec" : "tap"}`,
    "--test-reporter-destination=stdout",
    `--test-reporter=${path.join(ROOT, "scripts", "test-durations.mjs")}`,
    "--test-reporter-destination=/dev/null",
    ...files,
  ],
  { cwd: ROOT, stdio: "inherit" },
);
// Ctrl-C or a kill reaches node:test too (a watching one would otherwise outlive this script).
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
  process.exit();
});

if (watching) {
  // One rebuild at a time; changes made during a rebuild start one more after it.
  let timer;
  let building = false;
  let again = false;
  const rebuild = () => {
    if (building) {
      again = true;
      return;
    }
    building = true;
    const b = spawn(process.execPath, [path.join(ROOT, "scripts", "build.mjs"), "--no-types", "--tests"], {
      cwd: ROOT,
      stdio: "inherit",
    });
    b.on("exit", () => {
      building = false;
      if (again) {
        again = false;
        rebuild();
      }
    });
  };
  for (const dir of ["src", "test", "testkit"])
    watch(path.join(ROOT, dir), { recursive: true }, (_event, file) => {
      if (!file?.endsWith(".ts")) return;
      clearTimeout(timer);
      timer = setTimeout(rebuild, 150);
    });
}
