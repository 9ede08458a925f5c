// A shot's finishing passes in the report and the contact sheet: each pass with its model, status, cost and
// output, a failed one with its error, the finished clip beside the clip, and a shot without passes as before.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import type { ClipSidecar } from "../../src/cache/artifacts/index.js";
import { audioModelRegistry } from "../../src/models/audio-registry.js";
import { modeSpec } from "../../src/models/modes.js";
import { findPass } from "../../src/models/passes.js";
import { findFamily, videoModels } from "../../src/models/registry.js";
import type { ModeName } from "../../src/models/types.js";
import { planRender, type Plan } from "../../src/plan/plan.js";
import { contactSheet } from "../../src/report/html.js";
import { buildReport, type ReportInput } from "../../src/report/report.js";
import type { StepOutcome } from "../../src/steps/executor.js";
import { ROOT, shot, storyboard } from "../helpers/unit-fixtures.js";

const tts = audioModelRegistry().get("fal-ai/kokoro/american-english")!;
const mode = (family: string, name: ModeName = "image-to-video") =>
  modeSpec(findFamily(videoModels(), family)!, name)!;
const kling = findPass("kling-lipsync")!;
const upscaler = findPass("bytedance-upscaler")!;
const OUT = path.join(ROOT, "out");

// A 720p sora-2 shot, lip-synced and upscaled to 1080p, and a shot with no passes.
function board(passes = true) {
  const talk = shot(0, {
    id: "warning",
    model: mode("sora-2"),
    duration: 4,
    voiceover: { text: "The light must not go out tonight.", voice: "am_michael", offset: 0, model: tts },
    ...(passes && {
      lipsync: { pass: kling, upscaler },
      upscale: { pass: upscaler, height: "1080p", pixels: 1080 },
    }),
  });
  const storm = shot(1, { id: "storm", model: mode("sora-2"), duration: 4 });
  return storyboard([talk, storm]);
}

function sidecar(key: string, cost: number, pass?: ClipSidecar["pass"]): ClipSidecar {
  return {
    version: 1,
    key,
    shot: "warning",
    provider: "fal",
    endpoint: "e",
    input: {},
    request_id: `req-${key.slice(0, 6)}`,
    created_at: "2026-01-01T00:00:00.000Z",
    timings: { total_ms: 1000 },
    bytes: 1,
    sha256: "0".repeat(64),
    cost,
    duration: 4,
    has_audio: true,
    ...(pass && { pass }),
  };
}

// The render: both clips made; the lip-sync made; the upscale made, or failed with fal's error.
function input(plan: Plan, b: ReturnType<typeof board>, upscaleFails: boolean): ReportInput {
  const step = (id: string) => plan.steps.find((s) => s.id === id)!;
  const passOutcome = (id: string, status: StepOutcome["status"], error?: string): StepOutcome => ({
    id,
    kind: step(id).kind,
    name: step(id).name,
    key: step(id).key,
    status,
    ...(status === "generated" ? { cost: step(id).cost } : { error: error! }),
  });
  const sidecars = new Map<string, ClipSidecar>(plan.shots.map((s) => [s.key, sidecar(s.key, 0.4)]));
  const passes = plan.steps.filter((s) => s.kind === "lipsync" || s.kind === "upscale");
  const steps = passes.map((s) =>
    s.kind === "upscale" && upscaleFails
      ? passOutcome(s.id, "failed", "fal: the upscaler refused the clip")
      : passOutcome(s.id, "generated"),
  );
  for (const o of steps)
    if (o.status === "generated") sidecars.set(o.key, sidecar(o.key, o.cost!, o.kind as "lipsync"));
  return {
    board: b,
    plan,
    outcomes: plan.shots.map((s) => ({
      key: s.key,
      shots: [s.id],
      status: "generated",
      sidecar: sidecars.get(s.key)!,
    })),
    steps,
    stepImage: () => undefined,
    sidecars,
    paid: [],
    run: upscaleFails ? { status: "failed", message: "1 pass failed" } : { status: "ok" },
    dir: OUT,
    clipPath: (key) => path.join(ROOT, "cache", "clips", `${key}.mp4`),
    // Posters exist for what has a sidecar (write.ts makes them for clips and finished clips).
    posterPath: (key) =>
      sidecars.has(key) ? path.join(OUT, "board.posters", `${key.slice(0, 16)}.jpg`) : undefined,
    phases: {},
    now: Date.UTC(2026, 0, 2),
  };
}

const planOf = (b: ReturnType<typeof board>) => planRender(b, { has: () => false }, { provider: "fal" });

test("a shot's passes in order: model, status, cost, key, output file; the finished clip beside the clip", () => {
  const b = board();
  const plan = planOf(b);
  const report = buildReport(input(plan, b, false));
  const [warning, storm] = report.shots;
  const lipsyncKey = plan.steps.find((s) => s.id === "lipsync:warning")!.key;
  const finishedKey = plan.shots[0]!.finished!;
  assert.deepEqual(
    warning!.passes!.map((p) => [p.id, p.kind, p.model, p.pass, p.status, p.cost, p.key, p.clip]),
    [
      [
        "lipsync:warning",
        "lipsync",
        "fal-ai/kling-video/lipsync/audio-to-video",
        "kling-lipsync",
        "generated",
        0.07,
        lipsyncKey,
        `../cache/clips/${lipsyncKey}.mp4`,
      ],
      [
        "upscale:warning@1080p",
        "upscale",
        "fal-ai/bytedance-upscaler/upscale/video",
        "bytedance-upscaler",
        "generated",
        0.03,
        finishedKey,
        `../cache/clips/${finishedKey}.mp4`,
      ],
    ],
  );
  // Each pass takes the clip before it: the shot's clip, then the lip-synced one.
  assert.deepEqual(
    warning!.passes!.map((p) => p.from),
    [warning!.key, lipsyncKey],
  );
  assert.equal(warning!.passes![1]!.height, "1080p");
  assert.deepEqual(warning!.finished, {
    key: finishedKey,
    clip: `../cache/clips/${finishedKey}.mp4`,
    poster: `board.posters/${finishedKey.slice(0, 16)}.jpg`,
  });
  assert.equal(warning!.clip, `../cache/clips/${warning!.key}.mp4`, "the clip is still the shot's own");
  assert.equal(storm!.passes, undefined);
  assert.equal(storm!.finished, undefined);
  // The film's cost counts the passes: two clips at $0.40, a voice-over at $0.01, a lip-sync and an upscale.
  assert.equal(report.cost.film, 0.91);
  // The graph lists the passes as steps, with what this render did.
  assert.deepEqual(
    report.steps.filter((s) => s.kind === "lipsync" || s.kind === "upscale").map((s) => [s.id, s.status]),
    [
      ["lipsync:warning", "generated"],
      ["upscale:warning@1080p", "generated"],
    ],
  );
});

test("a failed pass shows as failed with its error; the finished clip is not there", () => {
  const b = board();
  const report = buildReport(input(planOf(b), b, true));
  const warning = report.shots[0]!;
  const upscale = warning.passes![1]!;
  assert.equal(upscale.status, "failed");
  assert.equal(upscale.error, "fal: the upscaler refused the clip");
  assert.equal(upscale.clip, undefined);
  assert.equal(warning.finished!.clip, undefined);
  assert.equal(warning.status, "generated", "the shot's own clip was made");
  assert.equal(report.steps.find((s) => s.id === "upscale:warning@1080p")!.status, "failed");
  const html = contactSheet(report);
  assert.match(html, /upscale warning to 1080p: fal: the upscaler refused the clip/);
  assert.match(html, /<figure><p>not made yet<\/p><figcaption>finished<\/figcaption><\/figure>/);
});

const cardOf = (html: string, id: string) =>
  new RegExp(`<div class="card" id="shot-${id}">[\\s\\S]*?\\n {4}</div>`).exec(html)?.[0];

test("the contact sheet plays the clip and the finished clip side by side, and says which passes ran", () => {
  const b = board();
  const report = buildReport(input(planOf(b), b, false));
  const warning = report.shots[0]!;
  const card = cardOf(contactSheet(report), "warning")!;
  const videos = [...card.matchAll(/<video src="([^"]+)" poster="([^"]+)" controls/g)].map((m) => [
    m[1],
    m[2],
  ]);
  assert.deepEqual(videos, [
    [warning.clip, warning.poster],
    [warning.finished!.clip, warning.finished!.poster],
  ]);
  const passes = /<p class="passes">([\s\S]*?)<\/p>/.exec(card)![1]!.replace(/<[^>]+>/g, "");
  assert.equal(
    passes,
    "lip-sync (kling-lipsync) generated $0.07 ▶ → upscale to 1080p (bytedance-upscaler) generated $0.03 ▶",
  );
});

test("a shot without passes shows exactly as it did: its card is the same whether another shot has passes", () => {
  const withPasses = board();
  const without = board(false);
  const a = contactSheet(buildReport(input(planOf(withPasses), withPasses, false)));
  const b = contactSheet(buildReport(input(planOf(without), without, false)));
  assert.equal(cardOf(a, "storm"), cardOf(b, "storm"));
  assert.match(
    cardOf(a, "storm")!,
    /^<div class="card" id="shot-storm">\n {6}<img src="board\.posters\/[0-9a-f]{16}\.jpg" alt="storm">\n/,
  );
  assert.ok(cardOf(b, "warning") && !cardOf(b, "warning")!.includes("<video"), "one picture, no pair");
  assert.ok(!cardOf(b, "warning")!.includes('class="passes"'));
});

test("an upscale the clip does not need is said on the card, with no pass", () => {
  const talk = shot(0, {
    id: "tall",
    model: mode("sora-2"),
    resolution: "720p",
    duration: 4,
    upscale: { pass: upscaler, height: "720p", pixels: 720 },
  });
  const b = storyboard([talk]);
  const plan = planOf(b);
  const report = buildReport(input(plan, b, false));
  assert.equal(report.shots[0]!.passes, undefined);
  assert.deepEqual(report.shots[0]!.pass_notes, plan.shots[0]!.pass_notes);
  assert.ok(report.shots[0]!.pass_notes?.length);
  assert.match(contactSheet(report), /already \d+ px high: not upscaled to 720p/);
});

test("a pass with several takes lists each, playable, with the command that picks it by the pass's id", () => {
  const b = board();
  const plan = planOf(b);
  const step = plan.steps.find((s) => s.id === "lipsync:warning")!;
  const first = "f".repeat(64);
  // A retake of the lip-sync: take 2 is used, take 1 is still in the cache.
  Object.assign(step, {
    take: 2,
    takes: [
      { take: 1, key: first, status: "cached" },
      { take: 2, key: step.key, status: "generate" },
    ],
  });
  const given = input(plan, b, false);
  given.sidecars.set(first, sidecar(first, 0.07, "lipsync"));
  const report = buildReport({ ...given, picked: (id) => id === "lipsync:warning" });
  const takes = report.shots[0]!.passes![0]!.takes!;
  assert.deepEqual(
    takes.map((t) => [t.take, t.used, t.picked, t.clip, t.pick]),
    [
      [1, false, false, `../cache/clips/${first}.mp4`, "storyreel pick storyboard.yaml lipsync:warning 1"],
      [2, true, true, `../cache/clips/${step.key}.mp4`, "storyreel pick storyboard.yaml lipsync:warning 2"],
    ],
  );
  // The graph's entry for the pass picks it the same way (by its id, not the shot's name).
  assert.deepEqual(
    report.steps.find((s) => s.id === "lipsync:warning")!.takes!.map((t) => t.pick),
    takes.map((t) => t.pick),
  );
  const card = cardOf(contactSheet(report), "warning")!;
  assert.match(card, /takes of the lip-sync:/);
  assert.match(card, /<code>storyreel pick storyboard\.yaml lipsync:warning 1<\/code>/);
});
