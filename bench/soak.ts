// `npm run soak`: the fault harness (testkit/soak.ts) in its long form, reported as a table, with the fault mix's
// time against a fault-free run held to a limit; writes bench/soak.json. `--short` is the tests' form.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { REPO } from "../testkit/cli.js";
import { runSoak } from "../testkit/soak.js";
import { table } from "./lib.js";

// Faults (retries, truncated downloads) may slow a render, but not by more than this against a fault-free one.
const RATIO_LIMIT = 3;

const short = process.argv.includes("--short");
const started = Date.now();
const result = await runSoak({ short });
const timely = result.faultMix.ratio <= RATIO_LIMIT;
const ok = result.ok && timely;
console.log(
  table(
    result.trials.map((t) => ({
      trial: String(t.trial),
      "kill after": `${t.killAfterMs} ms`,
      "rerun exit": String(t.exitCode),
      "max submits/key": String(t.maxSubmitsPerKey),
      unconfirmed: t.unconfirmed ? "yes" : "no",
      "found by listing": String(t.found),
      corrupt: String(t.corrupt),
      "film valid": t.filmValid ? "yes" : "NO",
    })),
  ),
);
const m = result.faultMix;
console.log(
  `\nfault mix: ${m.completed}/${m.expected} clips completed, rejected ${m.rejected.join(", ")} named: ${m.named ? "yes" : "NO"}, exit ${m.exitCode}, ${(m.ms / 1000).toFixed(1)} s vs fault-free ${(m.baselineMs / 1000).toFixed(1)} s (${m.ratio.toFixed(2)}x, limit ${RATIO_LIMIT}x)`,
);
console.log(
  `two renders on one cache: exits ${result.concurrent.exitCodes.join(", ")}, max submits per key ${result.concurrent.maxSubmitsPerKey}`,
);
console.log(
  `\n${ok ? "soak passed" : timely ? "SOAK FAILED" : "SOAK FAILED (too slow under faults)"} in ${Math.round((Date.now() - started) / 1000)} s`,
);
await writeFile(
  path.join(REPO, "bench", "soak.json"),
  `${JSON.stringify({ short, seconds: Math.round((Date.now() - started) / 1000), ...result, ok, timely }, null, 2)}\n`,
);
process.exitCode = ok ? 0 : 1;
