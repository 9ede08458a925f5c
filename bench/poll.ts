// `schedule-poll`: the `schedule` scenario (24 shots, fake fal at 1.5 s, concurrency 8) with no status stream, so
// storyreel polls at its default pace; the anchor is what a user would write instead: fal.subscribe (its own
// 500 ms polling) under p-limit(8), then the download. Alternated, medians of RUNS each.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createFalClient } from "@fal-ai/client";
import pLimit from "p-limit";
import { storyreel } from "../testkit/cli.js";
import { FakeFal } from "../testkit/fake-fal.js";
import { falEnv } from "../testkit/fal-env.js";
import { project } from "./fixtures.js";
import { median, type Result, seconds, timed } from "./lib.js";

const SHOTS = 24;
const CONCURRENCY = 8;
const LATENCY_MS = 1500;

export async function schedulePoll(key: string, runs: number): Promise<Result> {
  const fake = await new FakeFal({ key, latencyMs: LATENCY_MS }).start();
  const ours: number[] = [];
  const plain: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const mine = async () => ours.push(await render(fake, i));
      const theirs = async () => plain.push((await timed(() => subscribeUnderLimit(fake, key, i))).ms);
      // Which goes first alternates, so neither always meets a warm (or a busy) machine.
      for (const run of i % 2 ? [theirs, mine] : [mine, theirs]) await run();
    }
  } finally {
    await fake.stop();
  }
  const ideal = Math.ceil(SHOTS / CONCURRENCY) * LATENCY_MS;
  const efficiency = ideal / median(ours);
  const ratio = median(ours) / median(plain);
  return {
    id: "schedule-poll",
    what: `generate ${SHOTS} shots, fake fal at 1.5 s, concurrency ${CONCURRENCY}, no status stream (polling at the default pace)`,
    value: `${seconds(median(ours))}: efficiency ${efficiency.toFixed(3)}, ${ratio.toFixed(2)}x fal.subscribe under p-limit`,
    anchor: `ideal ${seconds(ideal)}; fal.subscribe under p-limit(${CONCURRENCY}): ${seconds(median(plain))}`,
    target: "efficiency >= 0.9; <= 1x fal.subscribe under p-limit",
    met: efficiency >= 0.9 && ratio <= 1,
    detail: { ours, plain },
  };
}

// The render's generate phase, from its report; the default poll pace (no STORYREEL_FAL_POLL_MS).
async function render(fake: FakeFal, round: number): Promise<number> {
  const p = await project(SHOTS, { prompt: (n) => `poll ${round} shot ${n}` });
  const env = { ...falEnv(fake, p.cache), STORYREEL_FAL_POLL_MS: undefined };
  const r = await storyreel(["render", p.file, "--concurrency", String(CONCURRENCY)], { cwd: p.dir, env });
  if (r.exitCode !== 0) throw new Error(r.stderr);
  const report = JSON.parse(await readFile(path.join(p.dir, "out", "storyboard.report.json"), "utf8"));
  return report.phases_ms.generate_ms;
}

async function subscribeUnderLimit(fake: FakeFal, key: string, round: number): Promise<void> {
  const fal = createFalClient({ credentials: key, proxyUrl: { url: fake.proxyUrl, when: "always" } });
  const limit = pLimit(CONCURRENCY);
  await Promise.all(
    Array.from({ length: SHOTS }, (_, i) =>
      limit(async () => {
        const result = await fal.subscribe("fal-ai/kling-video/v2.6/pro/image-to-video", {
          input: {
            prompt: `subscribe ${round} ${i}`,
            start_image_url: "https://example.invalid/frame.png",
            duration: "5",
          },
        });
        await (await fetch((result.data as { video: { url: string } }).video.url)).arrayBuffer();
      }),
    ),
  );
}
