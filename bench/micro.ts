// The micro-optimisations, each against the same code without it (issue 27: each shows its gain or goes).
// Both sides render the `schedule` scenario (24 new shots, fake fal at 1.5 s, concurrency 8) through
// variant-render.mjs, a child process on dist/ as cold as the CLI, alternated; the generate phase's time
// comes from the report, as in `schedule`.
import { execa } from "execa";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { REPO } from "../testkit/cli.js";
import { FakeFal } from "../testkit/fake-fal.js";
import { falEnv } from "../testkit/fal-env.js";
import { project } from "./fixtures.js";
import { median, type Result, seconds } from "./lib.js";

// Alternations per comparison: the schedule figure moves by about 40 ms from run to run.
const PAIRS = 7;
// A gain a user could feel: at least this share of the figure.
const FELT = 0.03;

async function generateMs(fake: FakeFal, flags: string[], tag: string): Promise<number> {
  const p = await project(24, { prompt: (n) => `${tag} shot ${n}` });
  const env = falEnv(fake, p.cache, { STORYREEL_FAL_POLL_MS: "50" });
  const script = path.join(REPO, "bench", "variant-render.mjs");
  const r = await execa("node", [script, p.file, "--concurrency", "8", ...flags], {
    cwd: p.dir,
    env,
    reject: false,
  });
  if (r.exitCode !== 0) throw new Error(r.stderr);
  const report = JSON.parse(await readFile(path.join(p.dir, "out", "storyboard.report.json"), "utf8"));
  return report.phases_ms.generate_ms;
}

// `flag` takes the optimisation out.
export async function withAndWithout(id: string, flag: string, what: string): Promise<Result> {
  const fake = await new FakeFal({ key: "bench-key", latencyMs: 1500, statusStream: true }).start();
  const runs = { with: [] as number[], without: [] as number[] };
  try {
    for (let i = 0; i < PAIRS; i++) {
      const tag = `${id} ${Date.now()} ${i}`;
      // Which side goes first alternates too, so a slow moment does not always land on one.
      const order = i % 2 ? [true, false] : [false, true];
      for (const on of order)
        runs[on ? "with" : "without"].push(await generateMs(fake, on ? [] : [flag], `${tag} ${on}`));
    }
  } finally {
    await fake.stop();
  }
  const a = median(runs.with);
  const b = median(runs.without);
  const gain = (b - a) / b;
  return {
    id,
    what: `${what}: the schedule scenario (24 shots, fake fal at 1.5 s, concurrency 8), generate phase`,
    value: `${seconds(a)} with it, ${seconds(b)} without (${(gain * 100).toFixed(1)}% gained)`,
    anchor: `the same code with ${flag}`,
    target: `gains >= ${FELT * 100}% (else it goes)`,
    met: gain >= FELT,
    detail: { runs, gain },
  };
}
