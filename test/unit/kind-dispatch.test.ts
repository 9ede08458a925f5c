// Steps of every kind are handled through the registry (src/steps/registry.ts): outside src/steps/, no code
// tests a step's kind by name, so a new kind of step is one file in src/steps/kinds/.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { kindOf, STEP_KINDS } from "../../src/steps/registry.js";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));
const NAMES = STEP_KINDS.map((k) => k.name).join("|");
// `step.kind === "clip"`, `s.kind !== "voice"`: a test of a step's kind by name (an image's kind is not a step's).
const DISPATCH = new RegExp(`\\b(step|s|x|o|outcome|e|entry|job)\\??\\.kind\\s*[!=]==\\s*"(${NAMES})"`);

test("no step kind is tested by name outside src/steps/", () => {
  const found: string[] = [];
  for (const file of readdirSync(SRC, { recursive: true, encoding: "utf8" })) {
    if (!file.endsWith(".ts") || file.split(path.sep)[0] === "steps") continue;
    readFileSync(path.join(SRC, file), "utf8")
      .split("\n")
      .forEach((line, i) => {
        if (DISPATCH.test(line)) found.push(`src/${file}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(found, []);
});

test("every kind says what the executor, the store and the messages need", () => {
  for (const kind of STEP_KINDS) {
    assert.equal(kindOf(kind.name), kind);
    assert.ok(["clip", "still", "frame", "sound"].includes(kind.artifact), kind.name);
    assert.equal(typeof kind.run, "function");
    assert.equal(typeof kind.cachedInput, "function");
    assert.match(kind.label("x"), /\S/);
  }
  assert.deepEqual(
    STEP_KINDS.map((k) => [k.name, k.label("a")]),
    [
      ["still", "still a"],
      ["edit", "still a"],
      ["frame", "frame a"],
      ["voice", "voice-over a"],
      ["music", "music bed"],
      ["clip", "a"],
      ["lipsync", "lip-sync a"],
      ["upscale", "upscale a"],
    ],
  );
  assert.throws(() => kindOf("dub"), /no step kind dub/);
});
