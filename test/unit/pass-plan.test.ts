// The planner's passes: the fixed order, one key per link, prices to the cent, and only what changed made again.
import assert from "node:assert/strict";
import { test } from "node:test";
import { audioModelRegistry } from "../../src/models/audio-registry.js";
import { modeSpec } from "../../src/models/modes.js";
import { findPass } from "../../src/models/passes.js";
import { findFamily, videoModels } from "../../src/models/registry.js";
import { planRender } from "../../src/plan/plan.js";
import { upscaledFilmSize } from "../../src/plan/model-notes.js";
import type { Shot, Voiceover } from "../../src/storyboard/types.js";
import type { ModeName } from "../../src/models/types.js";
import { shot, storyboard } from "../helpers/unit-fixtures.js";

const tts = audioModelRegistry().get("fal-ai/kokoro/american-english")!;
const voice = (text: string, offset = 0): Voiceover => ({ text, voice: "am_michael", offset, model: tts });
const mode = (family: string, name: ModeName = "image-to-video") =>
  modeSpec(findFamily(videoModels(), family)!, name)!;
const kling = findPass("kling-lipsync")!;
const upscaler = findPass("bytedance-upscaler")!;
const up = (height: string, pixels: number) => ({ pass: upscaler, height, pixels });
const lipsync = { pass: kling, upscaler };
const empty = { has: () => false };

function board(over: Partial<Shot> = {}) {
  const talk = shot(0, {
    id: "warning",
    model: mode("sora-2"),
    duration: 4,
    voiceover: voice("The light must not go out tonight."),
    lipsync,
    upscale: up("1080p", 1080),
    ...over,
  });
  const storm = shot(1, { id: "storm", model: mode("sora-2"), duration: 4, upscale: up("1080p", 1080) });
  return storyboard([talk, storm]);
}

const passSteps = (plan: ReturnType<typeof planRender>) =>
  plan.steps.filter((s) => s.kind === "lipsync" || s.kind === "upscale");

test("a 720p lip-synced shot: lip-sync, then the upscale to 1080p; the other shot is upscaled alone", () => {
  const plan = planRender(board(), empty, { provider: "fal" });
  const steps = passSteps(plan);
  assert.deepEqual(
    steps.map((s) => [s.id, s.cost]),
    [
      // Kling lip-sync: $0.07 per started 5 s; the upscaler $0.0072/s to 1080p, rounded up to the cent.
      ["lipsync:warning", 0.07],
      ["upscale:warning@1080p", 0.03],
      ["upscale:storm@1080p", 0.03],
    ],
  );
  const warning = plan.shots[0]!;
  assert.deepEqual(warning.passes, ["lipsync:warning", "upscale:warning@1080p"]);
  assert.equal(warning.finished, steps[1]!.key);
  assert.ok(plan.edges.some((e) => e.from === "voice:warning" && e.to === "lipsync:warning"));
  assert.ok(plan.edges.some((e) => e.from === "lipsync:warning" && e.to === "upscale:warning@1080p"));
  const film = plan.steps.filter((s) => s.status !== "duplicate").reduce((t, s) => t + s.cost, 0);
  assert.equal(Math.round(film * 100) / 100, plan.cost.film);
});

test("a clip below what the lip-sync model takes is upscaled first, and the asked upscale is then not needed", () => {
  const plan = planRender(
    board({ model: mode("seedance-2.0"), resolution: "480p", upscale: up("1080p", 1080) }),
    empty,
    {
      provider: "fal",
    },
  );
  const warning = plan.shots[0]!;
  assert.deepEqual(warning.passes, ["upscale:warning@1080p", "lipsync:warning"]);
  assert.deepEqual(warning.pass_notes, ["already 1080 px high: not upscaled to 1080p"]);
  assert.ok(plan.edges.some((e) => e.from === "upscale:warning@1080p" && e.to === "lipsync:warning"));
});

test("editing the voice-over makes a new lip-sync and upscale of that shot, and nothing else", () => {
  const before = planRender(board(), empty, { provider: "fal" });
  const cached = new Set(before.steps.map((s) => s.key));
  const after = planRender(board({ voiceover: voice("The light must not go out.") }), cached, {
    provider: "fal",
  });
  const made = after.steps.filter((s) => s.status === "generate").map((s) => s.id);
  assert.deepEqual(made, ["voice:warning", "lipsync:warning", "upscale:warning@1080p"]);
  const again = planRender(board(), cached, { provider: "fal" });
  assert.deepEqual(
    again.steps.filter((s) => s.status !== "cached").map((s) => s.id),
    [],
  );
  assert.equal(again.cost.new, 0);
});

test("an offset voice-over and a sync mode are in the lip-sync's key", () => {
  const key = (over: Partial<Shot>) =>
    planRender(board(over), empty, { provider: "fal" }).steps.find((s) => s.id === "lipsync:warning")!.key;
  const plain = key({});
  assert.notEqual(key({ voiceover: voice("The light must not go out tonight.", 0.5) }), plain);
  assert.notEqual(key({ lipsync: { pass: findPass("sync-lipsync-2")!, syncMode: "loop", upscaler } }), plain);
});

test("a clip already at the asked height is not upscaled, and the plan says so", () => {
  const plan = planRender(
    board({ lipsync: undefined, upscale: up("1080p", 1080), model: mode("kling-2.6-pro") }),
    empty,
    {
      provider: "fal",
    },
  );
  assert.equal(plan.shots[0]!.passes, undefined);
  assert.deepEqual(plan.shots[0]!.pass_notes, ["already 1080 px high: not upscaled to 1080p"]);
});

test("a clip whose shot's finished clip is cached is not made again, nor the passes before the cached one", () => {
  const before = planRender(board(), empty, { provider: "fal" });
  const finished = before.shots[0]!.finished!;
  // Only the finished clip is cached (the clip and the lip-sync were removed, say).
  const cache = new Set([
    finished,
    ...before.steps.filter((s) => !s.id.includes("warning")).map((s) => s.key),
  ]);
  const plan = planRender(board(), cache, { provider: "fal" });
  const status = (id: string) => plan.steps.find((s) => s.id === id)!.status;
  assert.deepEqual(
    ["shot:warning", "voice:warning", "lipsync:warning", "upscale:warning@1080p"].map(status),
    ["skipped", "skipped", "skipped", "cached"],
  );
  assert.equal(plan.cost.new, 0, "nothing: the film uses the finished clip");
});

test("the film follows the highest height asked, or a higher clip of its own; render.resolution below an upscale warns", () => {
  const veo4k = shot(2, { id: "wide", model: mode("veo-3.1"), resolution: "4k", duration: 4 });
  const film = (b: ReturnType<typeof board>) => upscaledFilmSize(b);
  assert.deepEqual(film(board()), [1920, 1080]);
  assert.deepEqual(film(storyboard([...board().shots, veo4k])), [3840, 2160], "a 4K clip is not scaled down");
  const small = storyboard(board().shots, { render: { resolution: [1280, 720] } });
  assert.deepEqual(film(small), [1280, 720]);
  const plan = planRender(small, empty, { provider: "fal" });
  assert.ok(
    plan.warnings?.some((w) =>
      /shot storm: it is upscaled to 1080p, and render.resolution makes the film 1280x720/.test(w),
    ),
  );
});
