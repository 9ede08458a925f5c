// Why a shot is generated: changedFields over key materials, and planRender's reason with `previous`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { keyMaterial } from "../../src/plan/key.js";
import { planRender } from "../../src/plan/plan.js";
import { changedFields } from "../../src/plan/why.js";
import type { Shot } from "../../src/storyboard/types.js";
import { kling, shot, storyboard } from "../helpers/unit-fixtures.js";

const model = kling();
const material = (s: Shot, provider: "fal" | "preview" = "fal") => keyMaterial(s, provider);
const otherImage = (s: Shot): Shot["image"] => ({
  ...(s.image as Extract<Shot["image"], { kind: "file" }>),
  sha256: "b".repeat(64),
});

test("changedFields names storyboard fields, not model input names", () => {
  const s = shot(0);
  assert.deepEqual(changedFields(material(s), material(s), model), []);
  assert.deepEqual(changedFields(material(s), material({ ...s, prompt: "new" }), model), ["prompt"]);
  assert.deepEqual(changedFields(material(s), material({ ...s, image: otherImage(s) }), model), ["image"]);
  assert.deepEqual(changedFields(material(s), material({ ...s, endImage: otherImage(s) }), model), [
    "end_image",
  ]);
  assert.deepEqual(changedFields(material(s), material({ ...s, negativePrompt: "text" }), model), [
    "negative_prompt",
  ]);
  assert.deepEqual(changedFields(material(s), material({ ...s, duration: 10, audio: false }), model), [
    "duration",
    "audio",
  ]);
});

test("changedFields reports the key format, provider and model before any input field", () => {
  const s = shot(0);
  const before = material(s);
  assert.deepEqual(changedFields(before, material({ ...s, prompt: "x" }, "preview"), model), [
    "provider",
    "prompt",
  ]);
  assert.deepEqual(changedFields(before, { ...before, endpoint: "fal-ai/other" }, model), ["model"]);
  assert.deepEqual(changedFields(before, { ...before, key_format: 2 }, model), ["key_format"]);
  // An input the model no longer maps is named as it is.
  const legacy = { ...before, input: { ...(before.input as object), image_url: "old" } };
  assert.deepEqual(changedFields(legacy, before, model), ["image_url"]);
  assert.deepEqual(changedFields({}, before, model).slice(0, 3), ["key_format", "provider", "model"]);
});

function reasons(
  shots: Shot[],
  previous: Map<string, Record<string, unknown>>,
  provider: "fal" | "preview" = "fal",
) {
  const plan = planRender(storyboard(shots), { has: () => false }, { provider, previous });
  return Object.fromEntries(plan.shots.map((s) => [s.id, s.reason ?? null]));
}

test("planRender explains each generated shot against the previous render", () => {
  const before = [shot(0), shot(1), shot(2), shot(3)];
  const previous = new Map(before.map((s) => [s.id, material(s)]));
  const now = [
    { ...before[0]!, prompt: "a new idea" },
    { ...before[1]!, duration: 10, audio: false },
    before[2]!,
    before[3]!,
    shot(4),
  ];
  previous.set("s4", { ...material(before[3]!), endpoint: "fal-ai/kling-video/v2.1/pro/image-to-video" });
  assert.deepEqual(reasons(now, previous), {
    s1: "prompt changed",
    s2: "duration, audio changed",
    s3: "not in the cache",
    s4: "model changed",
    s5: "new shot",
  });
});

test("a shot last made by another provider is its first render with this one", () => {
  const s = [shot(0), shot(1, { prompt: "changed too" })];
  const previous = new Map([
    ["s1", material(s[0]!, "fal")],
    ["s2", material(shot(1), "fal")],
  ]);
  assert.deepEqual(reasons(s, previous, "preview"), {
    s1: "first preview render",
    s2: "first preview render",
  });
  const back = new Map([["s1", material(s[0]!, "preview")]]);
  assert.deepEqual(reasons([s[0]!], back, "fal"), { s1: "first fal render" });
});

test("reasons only for `generate`: none without `previous`, none for cached, duplicate or skipped shots", () => {
  const s = [shot(0), shot(1), shot(2, { prompt: "shot number 2" }), shot(3)];
  const board = storyboard(s);
  assert.ok(
    planRender(board, { has: () => false }, { provider: "fal" }).shots.every((p) => p.reason === undefined),
  );
  const first = planRender(board, { has: () => false }, { provider: "fal" });
  const plan = planRender(
    board,
    { has: (k) => k === first.shots[0]!.key },
    { provider: "fal", only: new Set(["s1", "s2"]), previous: new Map() },
  );
  assert.deepEqual(
    plan.shots.map((p) => [p.status, p.reason ?? null]),
    [
      ["cached", null],
      ["generate", "new shot"],
      ["duplicate", null],
      ["skipped", null],
    ],
  );
});
