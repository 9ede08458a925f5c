// `npm run bench`: each claim measured against an anchor in the same run; medians of at least 3 runs.
// Prints a table, writes bench/results.json and bench/RESULTS.md.
import { createFalClient } from "@fal-ai/client";
import { execa } from "execa";
import { readFile, writeFile } from "node:fs/promises";
import { mkdtemp } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { findMediaTools } from "../src/media/binaries.js";
import { detectCapabilities } from "../src/media/capabilities.js";
import { stitchClip } from "../testkit/clips.js";
import { REPO, storyreel } from "../testkit/cli.js";
import { FakeFal } from "../testkit/fake-fal.js";
import { passEndpoint, videoEndpoint } from "../testkit/fake-fal-schemas.js";
import { falEnv } from "../testkit/fal-env.js";
import { clip, fillCache, project } from "./fixtures.js";
import { graphProject, lowerBoundMs } from "./graph.js";
import { claims, remoteWarm } from "./remote.js";
import { withAndWithout } from "./micro.js";
import { schedulePoll } from "./poll.js";
import { lastFrame } from "./last-frame.js";
import { validateVsPlan } from "./fixed-costs.js";
import { cutsOnly } from "./cuts-only.js";
import { incrementalXfade, stitchMemory } from "./stitch-memory.js";
import { firstStitch, stitchLimit } from "./stitch-limit.js";
import { incremental48 } from "./incremental-48.js";
import { machine, median, type Result, seconds, sideBySide, table, timed } from "./lib.js";

const RUNS = 3;
// The fake fal compiles the shipped models' schemas on its first submit (about 0.1 s in this process, which
// holds the fake): done before any timing, as fal's own servers never make a render wait for that.
videoEndpoint("");
passEndpoint("");
const KEY = "bench-key";
const tools = findMediaTools(process.env);
const results: Result[] = [];
const env = (fake: FakeFal, cache: string) => falEnv(fake, cache, { STORYREEL_FAL_POLL_MS: "50" });
const x = (n: number) => `${n.toFixed(2)}x`;
const s = seconds;

async function noop(): Promise<void> {
  const fake = await new FakeFal({ key: KEY }).start();
  const p = await project(100);
  await fillCache(p.file, p.cache, "fal", clip({ w: 160, h: 90, seconds: 5 }));
  const first = await storyreel(["render", p.file], { cwd: p.dir, env: env(fake, p.cache) });
  if (first.exitCode !== 0) throw new Error(first.stderr);
  const log = path.join(p.dir, "ffmpeg.log");
  await writeFile(log, "");
  const wrapped = {
    ...env(fake, p.cache),
    FFMPEG_PATH: path.join(REPO, "test/fixtures/bin/ffmpeg-logging"),
    FFPROBE_PATH: path.join(REPO, "test/fixtures/bin/ffprobe-logging"),
    FFMPEG_LOG: log,
  };
  const runs = await sideBySide(
    11,
    () => storyreel(["render", p.file], { cwd: p.dir, env: wrapped }),
    () => execa("node", ["-e", "0"]),
  );
  const processes = (await readFile(log, "utf8")).split("\n").filter(Boolean).length;
  const ratio = median(runs.a) / median(runs.b);
  results.push({
    id: "noop",
    what: "render 100 shots, all cached, film up to date",
    value: `${s(median(runs.a))}, ${fake.requests.length} provider calls, ${processes} ffmpeg/ffprobe processes`,
    anchor: `node -e 0: ${s(median(runs.b))}`,
    target: "<= 2.5x the anchor (issue 31; 3x before); 0 calls, 0 processes",
    met: ratio <= 2.5 && fake.requests.length === 0 && processes === 0,
    detail: { ratio, runs },
  });
  await fake.stop();
}

async function schedule(): Promise<void> {
  const fake = await new FakeFal({ key: KEY, latencyMs: 1500, statusStream: true }).start();
  const ours: number[] = [];
  const sequential: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const p = await project(24, { prompt: (n) => `schedule ${i} shot ${n}` });
    const r = await storyreel(["render", p.file, "--concurrency", "8"], {
      cwd: p.dir,
      env: env(fake, p.cache),
    });
    if (r.exitCode !== 0) throw new Error(r.stderr);
    ours.push(
      JSON.parse(await readFile(path.join(p.dir, "out", "storyboard.report.json"), "utf8")).phases_ms
        .generate_ms,
    );
    sequential.push((await timed(() => sequentialSubscribe(fake, 24, i))).ms);
  }
  const ideal = Math.ceil(24 / 8) * 1500;
  const efficiency = ideal / median(ours);
  const speedup = median(sequential) / median(ours);
  results.push({
    id: "schedule",
    what: "generate 24 shots, fake fal at 1.5 s, concurrency 8",
    value: `${s(median(ours))}: efficiency ${efficiency.toFixed(3)}, speedup ${x(speedup)}`,
    anchor: `ideal ${s(ideal)}; sequential fal.subscribe ${s(median(sequential))}`,
    target: "efficiency >= 0.95; speedup >= 7x",
    met: efficiency >= 0.95 && speedup >= 7,
    detail: { ours, sequential },
  });
  await fake.stop();
}

// fal's own example, one shot after another: subscribe, then download the video.
async function sequentialSubscribe(fake: FakeFal, n: number, round: number): Promise<void> {
  const fal = createFalClient({ credentials: KEY, proxyUrl: { url: fake.proxyUrl, when: "always" } });
  for (let i = 0; i < n; i++) {
    const result = await fal.subscribe("fal-ai/kling-video/v2.6/pro/image-to-video", {
      input: {
        prompt: `sequential ${round} ${i}`,
        start_image_url: "https://example.invalid/frame.png",
        duration: "5",
      },
      pollInterval: 50,
    });
    await (await fetch((result.data as { video: { url: string } }).video.url)).arrayBuffer();
  }
}

async function graph(): Promise<void> {
  const latency = 1500;
  const fake = await new FakeFal({ key: KEY, latencyMs: latency }).start();
  const ours: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const p = await graphProject(`graph ${i} ${Date.now()}`);
    const r = await storyreel(["render", p.file, "--concurrency", "4"], {
      cwd: p.dir,
      env: env(fake, p.cache),
    });
    if (r.exitCode !== 0) throw new Error(r.stderr);
    ours.push(
      JSON.parse(await readFile(path.join(p.dir, "out", "storyboard.report.json"), "utf8")).phases_ms
        .generate_ms,
    );
  }
  const bound = lowerBoundMs(latency, 4);
  const efficiency = bound / median(ours);
  results.push({
    id: "graph",
    what: "4 stills, 3 chains of 4 continued shots, 6 independent shots; fake fal at 1.5 s, concurrency 4",
    value: `${s(median(ours))}: efficiency ${efficiency.toFixed(3)}`,
    anchor: `lower bound ${s(bound)} = max(critical path, work / concurrency)`,
    target: "efficiency >= 0.88",
    met: efficiency >= 0.88,
    detail: { ours, submits: fake.requests.filter((q) => q.route === "submit").length },
  });
  await fake.stop();
}

async function stitchBench(id: "stitch-copy" | "stitch-xfade"): Promise<void> {
  const files = Array.from({ length: 12 }, (_, i) => clip({ w: 1280, h: 720, seconds: 5, hue: i * 30 }));
  const xfade = id === "stitch-xfade";
  const clips = await Promise.all(
    files.map((f, i) =>
      stitchClip(f, xfade && i > 0 ? { transition: { type: "crossfade", duration: 0.5 } } : {}),
    ),
  );
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-bench-stitch-"));
  const list = path.join(dir, "list.txt");
  await writeFile(list, files.map((f) => `file '${f}'\n`).join(""));
  // A fresh segment folder each time: this measures a first stitch, with nothing cached.
  const ours = () => firstStitch(clips, dir, () => detectCapabilities(tools.ffmpeg));
  const anchor = () =>
    execa(
      "ffmpeg",
      xfade
        ? handWrittenXfade(files, path.join(dir, "anchor.mp4"))
        : [
            "-v",
            "error",
            "-y",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            list,
            "-c",
            "copy",
            path.join(dir, "anchor.mp4"),
          ],
    );
  const runs = await sideBySide(RUNS, ours, anchor);
  const ratio = median(runs.a) / median(runs.b);
  // Crossfades are stitched in pieces side by side (issue 16): no slower than the one-pass graph.
  const limit = xfade ? 1.0 : 1.3;
  results.push({
    id,
    what: `12 clips 1280x720 5 s, ${xfade ? "0.5 s crossfades" : "cuts only"}`,
    value: `${s(median(runs.a))} (${x(ratio)})`,
    anchor: `${xfade ? "hand-written xfade/acrossfade graph" : "raw concat -c copy"}: ${s(median(runs.b))}`,
    target: `<= ${limit}x`,
    met: ratio <= limit,
    detail: { runs },
  });
}

function handWrittenXfade(files: string[], out: string): string[] {
  const parts: string[] = [];
  let v = "[0:v]";
  let a = "[0:a]";
  for (let i = 1; i < files.length; i++) {
    parts.push(
      `${v}[${i}:v]xfade=transition=fade:duration=0.5:offset=${(i * 4.5).toFixed(1)}[v${i}]`,
      `${a}[${i}:a]acrossfade=d=0.5[a${i}]`,
    );
    [v, a] = [`[v${i}]`, `[a${i}]`];
  }
  return [
    "-v",
    "error",
    "-y",
    ...files.flatMap((f) => ["-i", f]),
    "-filter_complex",
    parts.join(";"),
    "-map",
    v,
    "-map",
    a,
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-crf",
    "20",
    "-pix_fmt",
    "yuv420p",
    "-r",
    "24",
    "-c:a",
    "aac",
    "-b:a",
    "192k",
    "-ar",
    "48000",
    "-ac",
    "2",
    "-movflags",
    "+faststart",
    out,
  ];
}

async function incremental(): Promise<void> {
  const fake = await new FakeFal({ key: KEY, latencyMs: 200 }).start();
  // Cuts between uniform clips join by stream copy; a film resized to 320x180 goes through normalised segments.
  for (const [id, resolution] of [
    ["incremental", undefined],
    ["incremental-normalised", "320x180"],
  ] as const) {
    const p = await project(24, { prompt: (n) => `${id} shot ${n}`, ...(resolution && { resolution }) });
    const first = await storyreel(["render", p.file], { cwd: p.dir, env: env(fake, p.cache) });
    if (first.exitCode !== 0) throw new Error(first.stderr);
    await p.write(
      p.shots.map((shot, i) => (i === 11 ? { ...shot, prompt: `${id}: an edited prompt` } : shot)),
    );
    fake.requests.length = 0;
    const again = await storyreel(["render", p.file, "--json"], { cwd: p.dir, env: env(fake, p.cache) });
    const film = again.stdout
      .split("\n")
      .map((l) => JSON.parse(l))
      .find((e) => e.type === "film");
    const renormalised = film.mode === "copy" ? 0 : film.segments.clips_encoded;
    const submits = fake.count("submit");
    const uploads = fake.count("initiate");
    results.push({
      id,
      what: `edit one prompt of 24, render again${resolution ? ` (film resized to ${resolution})` : ""}`,
      value: `${submits} submit, ${uploads} uploads, ${renormalised} clips re-normalised (${film.mode})`,
      anchor: "n/a",
      target: "1 submit, 0 uploads, <= 1 re-normalised",
      met: submits === 1 && uploads === 0 && renormalised <= 1,
    });
  }
  await fake.stop();
}

// Takes, the lockfile and the cache: a retake's submits, a frozen render of a locked 24-shot film, and gc.
async function takes(): Promise<void> {
  const fake = await new FakeFal({ key: KEY, latencyMs: 200 }).start();
  const p = await project(24, { prompt: (n) => `takes ${Date.now()} shot ${n}` });
  const first = await storyreel(["render", p.file], { cwd: p.dir, env: env(fake, p.cache) });
  if (first.exitCode !== 0) throw new Error(first.stderr);
  fake.requests.length = 0;
  const retake = await storyreel(["retake", p.file, "shot-5"], { cwd: p.dir, env: env(fake, p.cache) });
  if (retake.exitCode !== 0) throw new Error(retake.stderr);
  const retakeSubmits = fake.count("submit");
  results.push({
    id: "retake",
    what: "retake one shot of a rendered 24-shot film",
    value: `${retakeSubmits} submit`,
    anchor: "n/a",
    target: "exactly 1 submit",
    met: retakeSubmits === 1,
  });
  fake.requests.length = 0;
  const runs = await sideBySide(
    5,
    () => storyreel(["render", p.file, "--frozen"], { cwd: p.dir, env: env(fake, p.cache) }),
    () => storyreel(["render", p.file], { cwd: p.dir, env: env(fake, p.cache) }),
  );
  const sent = fake.count("submit") + fake.count("initiate");
  const ratio = median(runs.a) / median(runs.b);
  results.push({
    id: "frozen",
    what: "render --frozen of a locked 24-shot film, up to date",
    value: `${s(median(runs.a))}, ${sent} submits and uploads`,
    anchor: `noop render of the same film: ${s(median(runs.b))}`,
    target: "0 submits and uploads; <= 1.5x noop (it checks every locked sha256)",
    met: sent === 0 && ratio <= 1.5,
    detail: { ratio, runs },
  });
  // Three storyboards share the cache; one moves on, so its first clips are reachable from nothing.
  const shared = await Promise.all(
    [1, 2, 3].map((n) => project(6, { prompt: (i) => `gc ${n} ${Date.now()} ${i}` })),
  );
  for (const q of shared) {
    const r = await storyreel(["render", q.file, "--cache-dir", p.cache], {
      cwd: q.dir,
      env: env(fake, p.cache),
    });
    if (r.exitCode !== 0) throw new Error(r.stderr);
  }
  const last = shared[2]!;
  const before =
    (await readFile(path.join(last.dir, "storyboard.lock.yaml"), "utf8")).match(/bytes: \d+/g) ?? [];
  await last.write(last.shots.map((shot) => ({ ...shot, prompt: `${shot.prompt} recut` })));
  await storyreel(["render", last.file, "--cache-dir", p.cache], { cwd: last.dir, env: env(fake, p.cache) });
  const clipBytes = before.reduce((t, b) => t + Number(b.slice(7)), 0);
  const gc = await storyreel(["cache", "gc", p.file, ...shared.map((q) => q.file), "--cache-dir", p.cache], {
    cwd: p.dir,
    env: env(fake, p.cache),
  });
  const freed = Number(/Freed \d+ entries, (\d+) bytes/.exec(gc.stdout)?.[1] ?? -1);
  results.push({
    id: "gc",
    what: "cache gc on a cache shared by 4 storyboards, one of which moved on (6 clips unreachable)",
    value: `${freed} bytes freed`,
    anchor: `unreachable: ${clipBytes} bytes of clips plus their sidecars`,
    target: "frees the unreachable clips and sidecars, nothing else",
    met: freed >= clipBytes && freed - clipBytes < 6 * 4096,
  });
  await fake.stop();
}

async function memory(): Promise<void> {
  const big = readFileSync(clip({ w: 1280, h: 720, seconds: 5, bitrate: "32M" }));
  const fake = await new FakeFal({ key: KEY, latencyMs: 300, video: () => big }).start();
  const peaks: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const p = await project(24, { prompt: (n) => `memory ${i} shot ${n}` });
    const r = await execa("node", [path.join(REPO, "bench", "peak-rss.mjs"), "render", p.file], {
      cwd: p.dir,
      env: env(fake, p.cache),
      reject: false,
    });
    if (r.exitCode !== 0) throw new Error(r.stderr);
    peaks.push(Number(/peak-rss-kb=(\d+)/.exec(r.stderr)?.[1]) / 1024);
  }
  results.push({
    id: "memory",
    what: `render 24 shots with ${(big.length / 1e6).toFixed(0)} MB clips`,
    value: `${median(peaks).toFixed(0)} MB peak RSS`,
    anchor: "n/a",
    target: "<= 150 MB",
    met: median(peaks) <= 150,
    detail: { peaks },
  });
  await fake.stop();
}

const only = process.argv.slice(2);
const benches: Record<string, () => Promise<void>> = {
  noop,
  validate: async () => void results.push(await validateVsPlan(KEY, RUNS)),
  "cuts-only": async () => void results.push(await cutsOnly(KEY, RUNS)),
  schedule,
  "schedule-poll": async () => void results.push(await schedulePoll(KEY, RUNS)),
  graph,
  "last-frame": async () => void results.push(await lastFrame(tools, RUNS)),
  "stitch-copy": () => stitchBench("stitch-copy"),
  "stitch-xfade": () => stitchBench("stitch-xfade"),
  "stitch-limit": () => stitchLimit(results),
  "stitch-memory": () => stitchMemory(results),
  "incremental-xfade": () => incrementalXfade(results),
  "incremental-48": () => incremental48(results),
  incremental,
  takes,
  memory,
  "remote-warm": async () => void results.push(await remoteWarm()),
  claims: async () => void results.push(await claims()),
  "mp4-reader": async () =>
    void results.push(await withAndWithout("mp4-reader", "--ffprobe", "downloaded clips read in process")),
};
const started = Date.now();
for (const [id, run] of Object.entries(benches)) {
  if (only.length && !only.includes(id)) continue;
  process.stderr.write(`bench ${id}...\n`);
  await run();
}
// A run of some benches keeps the other rows of the last results, marked with the date they were measured.
if (only.length) {
  const last = JSON.parse(readFileSync(path.join(REPO, "bench", "results.json"), "utf8")) as {
    machine: { date: string };
    results: Result[];
  };
  // A bench may measure rows under other ids (takes gives retake and frozen): the fresh row replaces the old.
  const fresh = new Set(results.map((r) => r.id));
  const kept = last.results
    .filter((r) => !only.includes(r.id) && !fresh.has(r.id))
    .map((r) => ({
      ...r,
      measured_at: (r as Result & { measured_at?: string }).measured_at ?? last.machine.date,
    }));
  results.unshift(...kept);
  // Rows keep the last results' order (a bench may add several rows); new ones go last.
  const place = (id: string) => {
    const at = last.results.findIndex((r) => r.id === id);
    return at < 0 ? last.results.length : at;
  };
  results.sort((a, b) => place(a.id) - place(b.id));
}
const rows = results.map((r) => ({
  id: r.id,
  what: r.what,
  measured: r.value,
  anchor: r.anchor,
  target: r.target,
  met: r.met ? "yes" : "NO",
}));
console.log(table(rows));
const info = await machine();
await writeFile(
  path.join(REPO, "bench", "results.json"),
  `${JSON.stringify({ machine: info, seconds: Math.round((Date.now() - started) / 1000), results }, null, 2)}\n`,
);
const notes = readFileSync(path.join(REPO, "bench", "NOTES.md"), "utf8");
await writeFile(
  path.join(REPO, "bench", "RESULTS.md"),
  `# Benchmark results\n\nMachine: ${info.cpu}, ${info.memory}, node ${info.node}, ${info.ffmpeg}. Run ${info.date}, ${Math.round((Date.now() - started) / 1000)} s.\nEvery figure is the median of at least ${RUNS} runs, each anchor measured in the same run.\n\n${table(rows)}\n\n${notes}`,
);
process.exitCode = results.every((r) => r.met) ? 0 : 1;
