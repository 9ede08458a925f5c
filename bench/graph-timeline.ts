// Where the graph bench's time goes: each step's events (ms from the first submit the fake saw), the fake's
// submit times and the generate phase. REPO=<dir> runs that checkout's bin/storyreel.js; STREAM=1 serves
// fal's status stream; QUIET=1 prints only the generate phase.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { BIN } from "../testkit/cli.js";
import { FakeFal } from "../testkit/fake-fal.js";
import { falEnv } from "../testkit/fal-env.js";
import { graphProject } from "./graph.js";

const fake = await new FakeFal({
  key: "k",
  latencyMs: 1500,
  statusStream: process.env.STREAM === "1",
}).start();
const p = await graphProject(`timeline ${Date.now()}`);
const bin = process.env.REPO ? path.join(process.env.REPO, "bin", "storyreel.js") : BIN;
const r = await execa("node", [bin, "render", p.file, "--concurrency", "4", "--json"], {
  cwd: p.dir,
  env: falEnv(fake, p.cache, { STORYREEL_FAL_POLL_MS: "50", FFMPEG_PATH: process.env.FF }),
  reject: false,
});
await fake.stop();
if (r.exitCode !== 0) throw new Error(r.stderr);
const report = JSON.parse(await readFile(path.join(p.dir, "out", "storyboard.report.json"), "utf8"));
if (process.env.QUIET !== "1") {
  const t0 = fake.requests[0]!.at;
  const rows = new Map<string, string[]>();
  for (const line of r.stdout.split("\n").filter(Boolean)) {
    const e = JSON.parse(line);
    if (e.type !== "shot" || /^in_/.test(e.state)) continue;
    rows.set(e.shot, [...(rows.get(e.shot) ?? []), `${e.state}@${Date.parse(e.time) - t0}`]);
  }
  for (const [id, row] of rows) console.log(id.padEnd(22), row.join(" "));
  const submits = fake.requests.filter((q) => q.route === "submit").map((q) => q.at - t0);
  console.log("server submit times", submits.join(" "));
}
console.log("generate_ms", report.phases_ms.generate_ms);
