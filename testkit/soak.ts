// The fault harness: kill -9 at random moments, a mix of injected faults, and two renders on one cache, all
// against the fake fal server. `npm run soak` (bench/soak.ts) runs the long form and reports it, timings
// included; test/e2e/soak.test.ts runs the short form and checks only what must hold on any machine.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { cachePaths } from "../src/cache/layout.js";
import { verified } from "../src/cache/artifacts/index.js";
import { spawnStoryreel, storyreel } from "./cli.js";
import { FakeFal } from "./fake-fal.js";
import { falEnv } from "./fal-env.js";
import { decodesCleanly } from "./ffprobe.js";
import { project } from "./shot-project.js";

const KEY = "soak-key";

// The long form (`npm run soak`) and CI's short form (test/e2e/soak.test.ts): the same checks, smaller numbers.
interface Scale {
  trials: number;
  // Shots per kill trial, and the window the kill falls in (from killFromMs to killFromMs + killWithinMs).
  trialShots: number;
  killFromMs: number;
  killWithinMs: number;
  latencyMs: number;
  concurrentShots: number;
  faultShots: number;
  rejected: string[];
  faultLatencyMs: number;
  // Run the kill trials and the two-render check side by side (each has its own project and prompts) rather
  // than one after another. The fault mix always runs alone: it is timed against its baseline.
  parallel: boolean;
}
const LONG: Scale = {
  trials: 20,
  trialShots: 6,
  killFromMs: 50,
  killWithinMs: 2500,
  latencyMs: 600,
  concurrentShots: 8,
  faultShots: 20,
  rejected: ["shot-4", "shot-9"],
  faultLatencyMs: 1000,
  parallel: false,
};
const SHORT: Scale = {
  trials: 2,
  trialShots: 2,
  killFromMs: 300,
  killWithinMs: 900,
  latencyMs: 300,
  concurrentShots: 3,
  faultShots: 6,
  rejected: ["shot-2", "shot-5"],
  faultLatencyMs: 500,
  parallel: true,
};

export interface SoakResult {
  trials: Array<{
    trial: number;
    killAfterMs: number;
    exitCode: number;
    unconfirmed: boolean;
    // Unanswered submits the re-run found in fal's request listing.
    found: number;
    maxSubmitsPerKey: number;
    corrupt: number;
    filmValid: boolean;
  }>;
  faultMix: {
    shots: number;
    rejected: string[];
    named: boolean;
    exitCode: number;
    completed: number;
    expected: number;
    ms: number;
    baselineMs: number;
    ratio: number;
  };
  concurrent: { exitCodes: number[]; maxSubmitsPerKey: number };
  // Everything that must hold on any machine; the fault mix's time against its baseline (faultMix.ratio) is
  // not part of it: timings are judged by `npm run soak`, not by the tests.
  ok: boolean;
}

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const env = (fake: FakeFal, cache: string, poll = "50") =>
  falEnv(fake, cache, { STORYREEL_FAL_POLL_MS: poll });

function maxSubmits(fake: FakeFal, prefix: string): number {
  return Math.max(0, ...[...fake.submitsByPrompt()].filter(([p]) => p.startsWith(prefix)).map(([, n]) => n));
}

async function killTrial(fake: FakeFal, trial: number, killAfterMs: number, scale: Scale) {
  const p = await project(scale.trialShots, { prompt: (i) => `trial ${trial} shot ${i}` });
  const child = spawnStoryreel(["render", p.file, "--concurrency", "3"], {
    cwd: p.dir,
    env: env(fake, p.cache),
  });
  await new Promise((r) => setTimeout(r, killAfterMs));
  child.kill("SIGKILL");
  await child;
  // Killed between the submit and fal's answer: the re-run finds the request in fal's listing, or watches the
  // listing for the step's --timeout (6 s here) before it concludes fal never had it and submits.
  const again = await storyreel(["render", p.file, "--concurrency", "3", "--timeout", "0.1"], {
    cwd: p.dir,
    env: env(fake, p.cache),
  });
  const unconfirmed = /--resubmit-unconfirmed/.test(again.stderr);
  const found = (/Found by listing fal's requests[^:]*: (.*)\./.exec(again.stderr)?.[1] ?? "")
    .split(", ")
    .filter(Boolean).length;
  const paths = cachePaths(p.cache);
  const keys = (await readdir(path.join(p.cache, "clips")))
    .filter((f) => f.endsWith(".json") && !f.startsWith("."))
    .map((f) => f.slice(0, -5));
  const corrupt = (await Promise.all(keys.map((k) => verified(paths, "clip", k)))).filter(
    (v) => !v.ok,
  ).length;
  const film = await decodesCleanly(path.join(p.dir, "out", "storyboard.mp4"));
  const filmValid = film.ok && Math.abs(film.duration - 5 * scale.trialShots) < 0.1;
  return {
    trial,
    killAfterMs,
    exitCode: again.exitCode,
    unconfirmed,
    found,
    maxSubmitsPerKey: maxSubmits(fake, `trial ${trial} `),
    corrupt,
    filmValid,
  };
}

async function faultMix(scale: Scale, random: () => number) {
  const shots = scale.faultShots;
  const rejected = scale.rejected;
  const prompt = (tag: string) => (i: number) =>
    rejected.includes(`shot-${i + 1}`) && tag === "faults" ? `REJECT ${tag} ${i}` : `${tag} ${i}`;
  const clean = await new FakeFal({ key: KEY, latencyMs: scale.faultLatencyMs }).start();
  const base = await project(shots, { prompt: prompt("baseline") });
  const t0 = Date.now();
  const baseline = await storyreel(["render", base.file], {
    cwd: base.dir,
    env: env(clean, base.cache, "100"),
  });
  const baselineMs = Date.now() - t0;
  await clean.stop();
  if (baseline.exitCode !== 0) throw new Error(`fault-free baseline failed: ${baseline.stderr}`);
  const fake = await new FakeFal({
    key: KEY,
    latencyMs: scale.faultLatencyMs,
    random,
    faults: [
      { route: "submit", times: Infinity, chance: 0.1, action: { status: 503 } },
      { route: "download", times: Infinity, chance: 0.1, action: "truncate" },
      { route: "status", times: Infinity, chance: 0.05, action: { status: 500 } },
    ],
  }).start();
  const p = await project(shots, { prompt: prompt("faults") });
  const t1 = Date.now();
  const r = await storyreel(["render", p.file], { cwd: p.dir, env: env(fake, p.cache, "100") });
  const ms = Date.now() - t1;
  await fake.stop();
  const completed = (await readdir(path.join(p.cache, "clips"))).filter((f) => f.endsWith(".mp4")).length;
  const named = rejected.every((id) =>
    new RegExp(`failed: ${id}: .*content_policy_violation`).test(r.stderr),
  );
  return {
    shots,
    rejected,
    named,
    exitCode: r.exitCode,
    completed,
    expected: shots - rejected.length,
    ms,
    baselineMs,
    ratio: ms / baselineMs,
  };
}

async function concurrentRenders(fake: FakeFal, shots: number) {
  const p = await project(shots, { prompt: (i) => `concurrent ${i}` });
  const [a, b] = await Promise.all(
    [0, 1].map(() => storyreel(["render", p.file], { cwd: p.dir, env: env(fake, p.cache) })),
  );
  return { exitCodes: [a!.exitCode, b!.exitCode], maxSubmitsPerKey: maxSubmits(fake, "concurrent ") };
}

export async function runSoak(options: { short: boolean; seed?: number }): Promise<SoakResult> {
  const scale = options.short ? SHORT : LONG;
  const random = seeded(options.seed ?? 20261125);
  // Half the submits answer late, so some kills land between a submit and fal's answer: the re-run must
  // find those requests in fal's listing, never pay for them again, and never refuse them.
  const fake = await new FakeFal({
    key: KEY,
    latencyMs: scale.latencyMs,
    random,
    faults: [{ route: "submit", times: Infinity, chance: 0.5, action: { delayMs: 900 } }],
  }).start();
  // Kill moments are drawn up front, so a seed gives the same trials however they are scheduled.
  const killAt = Array.from({ length: scale.trials }, () =>
    Math.round(scale.killFromMs + random() * scale.killWithinMs),
  );
  let trials: SoakResult["trials"] = [];
  let concurrent: SoakResult["concurrent"];
  if (scale.parallel) {
    [trials, concurrent] = await Promise.all([
      Promise.all(killAt.map((ms, i) => killTrial(fake, i + 1, ms, scale))),
      concurrentRenders(fake, scale.concurrentShots),
    ]);
  } else {
    for (const [i, ms] of killAt.entries()) trials.push(await killTrial(fake, i + 1, ms, scale));
    concurrent = await concurrentRenders(fake, scale.concurrentShots);
  }
  await fake.stop();
  const mix = await faultMix(scale, random);
  const ok =
    trials.every(
      (t) => t.exitCode === 0 && t.corrupt === 0 && t.filmValid && t.maxSubmitsPerKey === 1 && !t.unconfirmed,
    ) &&
    mix.exitCode === 1 &&
    mix.named &&
    mix.completed === mix.expected &&
    concurrent.exitCodes.every((c) => c === 0) &&
    concurrent.maxSubmitsPerKey === 1;
  return { trials, faultMix: mix, concurrent, ok };
}
