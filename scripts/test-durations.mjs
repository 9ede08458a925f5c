// A node:test reporter that writes nothing to the terminal: it adds up each test file's time and keeps it in
// node_modules/.cache/storyreel-test-durations.json, so scripts/test.mjs can start the slowest files first
// (a file that mostly waits, such as a 30 s bucket outage, then overlaps the rest instead of ending the run).
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
export const DURATIONS = path.join(ROOT, "node_modules", ".cache", "storyreel-test-durations.json");

// A file's name as both sides know it: its tier and name ("integration/plan"), whether the runner names the
// compiled copy or, through its source map, the source.
export const testName = (file) =>
  file
    .split(path.sep)
    .slice(-2)
    .join("/")
    .replace(/\.test\.[jt]s$/, "");

export function readDurations() {
  try {
    return JSON.parse(readFileSync(DURATIONS, "utf8"));
  } catch {
    return {};
  }
}

export default async function* durations(source) {
  const seen = {};
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    if (event.data.nesting !== 0 || !event.data.file) continue;
    const file = testName(event.data.file);
    seen[file] = (seen[file] ?? 0) + (event.data.details?.duration_ms ?? 0);
  }
  const all = { ...readDurations(), ...seen };
  writeFileSync(DURATIONS, `${JSON.stringify(all, null, 1)}\n`);
  yield "";
}
