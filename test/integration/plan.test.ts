// The planner is pure: statuses, duplicates and costs follow from (storyboard, cache index) alone.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadStoryboard, planRender, validateStoryboard } from "../../src/index.js";
import { runInProcess } from "../../testkit/cli.js";
import { makeProject, shots } from "../helpers/project.js";
import { shot, storyboard } from "../helpers/unit-fixtures.js";
import { TINY_PREVIEWS } from "../../testkit/tiny-provider.js";

async function board(shotList: Array<Record<string, unknown>>) {
  const { file, dir } = await makeProject({
    images: { "a.png": [480, 320], "b.png": [320, 480, [9, 9, 9]] },
    storyboard: { version: 1, shots: shotList },
  });
  return { board: await validateStoryboard(await loadStoryboard(file)), file, dir };
}

test("statuses: generate, cached, duplicate of an identical shot, skipped by --only", async () => {
  const { board: b } = await board([
    ...shots(2),
    { id: "same", image: "images/a.png", prompt: "shot number 1" },
    { id: "other", image: "images/b.png", prompt: "x" },
  ]);
  const empty = planRender(b, { has: () => false }, { provider: "fal" });
  assert.deepEqual(
    empty.shots.map((s) => s.status),
    ["generate", "generate", "duplicate", "generate"],
  );
  assert.equal(empty.shots[2]!.duplicate_of, "s1");
  const cachedKey = empty.shots[1]!.key;
  const warm = planRender(b, { has: (k) => k === cachedKey }, { provider: "fal", only: new Set(["s1"]) });
  assert.deepEqual(
    warm.shots.map((s) => s.status),
    ["generate", "cached", "duplicate", "skipped"],
  );
});

test("costs: $0.14/s with audio, $0.07/s without; duplicates and cached clips cost nothing new", async () => {
  const { board: b } = await board([
    { ...shots(1)[0], duration: 10 },
    { id: "quiet", image: "images/a.png", prompt: "q", audio: false },
    { id: "dup", image: "images/a.png", prompt: "q", audio: false },
  ]);
  const plan = planRender(b, { has: () => false }, { provider: "fal" });
  assert.deepEqual(
    plan.shots.map((s) => s.cost),
    [1.4, 0.35, 0.35],
  );
  assert.deepEqual(plan.cost, { currency: "USD", film: 1.75, new: 1.75, cached: 0, in_flight: 0 });
  const cached = planRender(b, { has: (k) => k === plan.shots[0]!.key }, { provider: "fal" });
  assert.deepEqual(cached.cost, { currency: "USD", film: 1.75, new: 0.35, cached: 1.4, in_flight: 0 });
  assert.equal(planRender(b, { has: () => false }, { provider: "preview" }).cost.film, 0);
});

test("plan is a pure value: synchronous, no I/O, only the cache index consulted, same inputs same JSON", () => {
  // In memory, with image paths that do not exist, frozen so any mutation throws.
  const frozen = deepFreeze(
    structuredClone(storyboard([shot(0), shot(1), shot(2, { prompt: "shot number 2" }), shot(3)])),
  );
  const asked: string[] = [];
  const index = {
    has(key: string) {
      asked.push(key);
      return asked.length === 1;
    },
  };
  const options = { provider: "fal" as const, only: new Set(["s2"]), previous: new Map() };
  const resources = process.getActiveResourcesInfo();
  const plan = planRender(frozen, index, options);
  assert.deepEqual(process.getActiveResourcesInfo(), resources, "no file, timer or network request started");
  assert.equal(
    typeof (plan as unknown as Promise<unknown>).then,
    "undefined",
    "returns a value, not a promise",
  );
  assert.deepEqual(
    plan.shots.map((s) => s.status),
    ["cached", "generate", "duplicate", "skipped"],
  );
  assert.deepEqual(
    asked,
    [plan.shots[0]!.key, plan.shots[1]!.key, plan.shots[3]!.key],
    "each unique key once",
  );
  assert.deepEqual(JSON.parse(JSON.stringify(plan)), plan, "plain JSON: no undefined, Map, Date or class");
  asked.length = 0;
  assert.deepEqual(planRender(frozen, index, options), plan, "the same inputs give the same plan");
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

test("`storyreel plan` prints a table with costs and totals, and --json the versioned shape", async () => {
  const { file, dir } = await board([
    ...shots(2),
    { id: "again", image: "images/a.png", prompt: "shot number 2" },
  ]);
  const text = await runInProcess(["plan", file], { cwd: dir });
  assert.equal(text.exitCode, 0, text.stderr);
  assert.match(text.stdout, /s1\s+generate\s+kling-2\.6-pro image\s+5s\s+on\s+\$0\.70/);
  assert.match(text.stdout, /again\s+duplicate of s2/);
  assert.match(text.stdout, /whole film \$1\.40; new spending \$1\.40/);
  const json = await runInProcess(["plan", file, "--json", "--provider", "preview"], { cwd: dir });
  const plan = JSON.parse(json.stdout);
  assert.equal(plan.version, 1);
  assert.equal(plan.provider, "preview");
  assert.deepEqual(Object.keys(plan.cost), ["currency", "film", "new", "cached", "in_flight"]);
  assert.deepEqual(Object.keys(plan.shots[0]).sort(), [
    "audio",
    "cost",
    "duration",
    "endpoint",
    "id",
    "index",
    "key",
    "mode",
    "model",
    "reason",
    "status",
  ]);
  assert.equal(plan.shots[0].reason, "new shot");
});

test("`storyreel plan --only` with an unknown id is a usage error that names it", async () => {
  const { file, dir } = await board(shots(2));
  const r = await runInProcess(["plan", file, "--only", "s3"], { cwd: dir });
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /--only names shots that .* does not have: "s3" \(did you mean "s1"\?\)/);
});

test("plan says why a shot will be generated: the fields changed since its last clip, or a new shot", async () => {
  const { writeFile } = await import("node:fs/promises");
  const { stringify } = await import("yaml");
  const { file, dir } = await board(shots(3));
  assert.equal(
    (await runInProcess(["render", file, "--provider", "preview"], { cwd: dir, env: TINY_PREVIEWS }))
      .exitCode,
    0,
  );
  const edited = shots(3);
  edited[0]!.prompt = "a new idea";
  edited[1]!.duration = 10;
  edited[1]!.audio = false;
  edited.push({ id: "extra", image: "images/b.png", prompt: "added later" });
  await writeFile(file, stringify({ version: 1, shots: edited }));
  const r = await runInProcess(["plan", file, "--provider", "preview", "--json"], { cwd: dir });
  const reasons = Object.fromEntries(
    JSON.parse(r.stdout).shots.map((s: { id: string; reason?: string }) => [s.id, s.reason ?? null]),
  );
  assert.deepEqual(reasons, {
    s1: "prompt changed",
    s2: "duration, audio changed",
    s3: null,
    extra: "new shot",
  });
  const text = await runInProcess(["plan", file], { cwd: dir });
  assert.match(text.stdout, /s1\s+generate\s+kling-2\.6-pro image\s+5s\s+on\s+\$0\.70\s+first fal render/);
});

test("`--only` across several storyboards names the ids no storyboard has", async () => {
  const r = await runInProcess([
    "plan",
    "manifests/demo.yaml",
    "manifests/teaser.yaml",
    "--only",
    "dawn,twr",
  ]);
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /--only names shots that no storyboard has: "twr" \(did you mean "tower"\?\)/);
});
