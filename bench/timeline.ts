// Where the generate phase's time goes: per-shot event timestamps from `render --json` against the fake.
import { storyreel } from "../testkit/cli.js";
import { FakeFal } from "../testkit/fake-fal.js";
import { falEnv } from "../testkit/fal-env.js";
import { project } from "./fixtures.js";

const fake = await new FakeFal({ key: "k", latencyMs: 1500, statusStream: true }).start();
const p = await project(24, { prompt: (n) => `timeline ${Date.now()} ${n}` });
const r = await storyreel(["render", p.file, "--concurrency", "8", "--json"], {
  cwd: p.dir,
  env: falEnv(fake, p.cache, { STORYREEL_FAL_POLL_MS: "50" }),
});
const events = r.stdout
  .split("\n")
  .map((l) => JSON.parse(l))
  .filter((e) => e.type === "shot");
const t0 = Date.parse(events[0].time);
const at = (shot: string, state: string) =>
  events.find((e) => e.shot === shot && e.state === state)
    ? Date.parse(events.find((e) => e.shot === shot && e.state === state).time) - t0
    : -1;
for (const id of [...new Set(events.map((e) => e.shot))])
  console.log(
    id.padEnd(9),
    ["uploading", "submitting", "in_queue", "in_progress", "downloading", "done"]
      .map((s) => String(at(id, s)).padStart(5))
      .join(" "),
  );
const submits = fake.requests.filter((q) => q.route === "submit").map((q) => q.at - fake.requests[0]!.at);
console.log("server submit times", submits.join(" "));
await fake.stop();
import { readFile } from "node:fs/promises";
import path from "node:path";
const report = JSON.parse(await readFile(path.join(p.dir, "out", "storyboard.report.json"), "utf8"));
const last = Math.max(...events.map((e) => Date.parse(e.time))) - t0;
console.log("generate_ms", report.phases_ms.generate_ms, "events span", last);
