// After a kill -9, the requests a re-run reattaches to take fal slots before any new submit does.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { cachePaths } from "../../src/cache/layout.js";
import { findMediaTools } from "../../src/media/binaries.js";
import { runGraph } from "../../src/steps/executor.js";
import { clipStep, type Plan, type PlannedShot, type ShotStatus } from "../../src/plan/plan.js";
import type { StepProvider } from "../../src/providers/types.js";
import { ProviderError } from "../../src/errors.js";
import { systemClock } from "../../src/util/clock.js";
import { tempDir } from "../../testkit/cli.js";
import { shot, storyboard } from "../helpers/unit-fixtures.js";

test("journaled requests are collected before new shots take a slot, whatever their order in the film", async () => {
  const statuses: ShotStatus[] = ["generate", "collect", "generate", "collect", "generate"];
  const board = storyboard(statuses.map((_, i) => shot(i)));
  const planned: PlannedShot[] = statuses.map((status, i) => ({
    id: `s${i + 1}`,
    index: i,
    key: `key${i + 1}`,
    status,
    model: "kling-2.6-pro",
    mode: "image-to-video",
    endpoint: "fal-ai/kling-video/v2.6/pro/image-to-video",
    duration: 5,
    audio: true,
    cost: 0.7,
  }));
  const steps = planned.map(clipStep);
  const plan = { shots: planned, steps, edges: [] } as unknown as Plan;
  const seated: string[] = [];
  const provider: StepProvider = {
    id: "fal",
    still: () => Promise.reject(new Error("no stills here")),
    sound: () => Promise.reject(new Error("no sounds here")),
    pass: () => Promise.reject(new Error("no passes here")),
    async generate(job, ctx) {
      // New shots upload first (a short wait); collected ones go straight for a slot.
      if (planned.find((p) => p.key === job.key)!.status === "generate")
        await new Promise((r) => setTimeout(r, 1));
      const release = await ctx.slots.acquire();
      seated.push(job.shot.id);
      await new Promise((r) => setTimeout(r, 5));
      release();
      throw new ProviderError("done", { transient: false });
    },
  };
  const dir = await tempDir("storyreel-order-");
  const context = {
    paths: cachePaths(path.join(dir, "cache")),
    tools: findMediaTools(process.env),
    clock: systemClock,
    stopSubmitting: new AbortController().signal,
    timeoutMs: 60_000,
  };
  const outcomes = await runGraph({
    plan,
    storyboard: board,
    provider,
    concurrency: 1,
    context,
    onEvent: () => {},
  });
  assert.equal(outcomes.length, 5);
  assert.deepEqual(seated.slice(0, 2).sort(), ["s2", "s4"]);
  assert.deepEqual(seated.slice(2).sort(), ["s1", "s3", "s5"]);
});
