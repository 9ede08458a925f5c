// Remote-cache benches: a warm bucket into an empty local cache (against the AWS SDK alone), and two machines
// rendering the same new shots at once (claims: each shot paid for once).
import { cp, mkdtemp } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { REPO, storyreel } from "../testkit/cli.js";
import { FakeFal } from "../testkit/fake-fal.js";
import { falEnv } from "../testkit/fal-env.js";
import { startFakeS3 } from "../testkit/fake-s3.js";
import { clip, project } from "./fixtures.js";
import { median, type Result, seconds, sideBySide } from "./lib.js";

const s = seconds;

async function setup(shots: number, latencyMs: number, video?: Buffer) {
  const fal = await new FakeFal({
    key: "bench-key",
    latencyMs,
    ...(video && { video: () => video }),
  }).start();
  const s3 = await startFakeS3();
  const origin = await project(shots, { prompt: (i) => `remote ${Date.now()} shot ${i}` });
  const clone = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "storyreel-bench-clone-"));
    await cp(origin.dir, dir, { recursive: true });
    const env = {
      ...falEnv(fal, path.join(dir, "cache"), { STORYREEL_FAL_POLL_MS: "50" }),
      AWS_ENDPOINT_URL_S3: s3.url,
      AWS_ACCESS_KEY_ID: "bench",
      AWS_SECRET_ACCESS_KEY: "bench",
      STORYREEL_REMOTE_CACHE: "s3://storyreel/bench",
    };
    const run = (args: string[]) => storyreel(args, { cwd: dir, env });
    return { dir, file: path.join(dir, "storyboard.yaml"), cache: path.join(dir, "cache"), env, run };
  };
  return { fal, s3, clone, stop: () => Promise.all([fal.stop(), s3.close()]) };
}

export async function remoteWarm(): Promise<Result> {
  const big = readFileSync(clip({ w: 1280, h: 720, seconds: 5, bitrate: "8M" }));
  const t = await setup(24, 100, big);
  const a = await t.clone();
  const first = await a.run(["render", a.file, "--concurrency", "8"]);
  if (first.exitCode !== 0) throw new Error(first.stderr);
  const objects = [...t.s3.objects.keys()]
    .filter((k) => k.endsWith(".mp4"))
    .map((k) => k.slice("storyreel/".length));
  const bytes = objects.reduce((n, k) => n + t.s3.get(k)!.bytes.length, 0);
  const ours = async () => {
    const b = await t.clone();
    await cp(path.join(a.dir, "storyboard.lock.yaml"), path.join(b.dir, "storyboard.lock.yaml"));
    const r = await b.run(["cache", "pull", b.file]);
    if (r.exitCode !== 0 || !/Pulled 24 outputs/.test(r.stdout)) throw new Error(r.stderr + r.stdout);
  };
  const sdk = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "storyreel-bench-sdk-"));
    await execa(
      "node",
      [path.join(REPO, "bench", "sdk-download.mjs"), t.s3.url, "storyreel", dir, ...objects],
      {
        env: { AWS_ACCESS_KEY_ID: "bench", AWS_SECRET_ACCESS_KEY: "bench" },
      },
    );
  };
  const runs = await sideBySide(5, ours, sdk);
  // The whole render from a warm bucket, for the record (it also stitches and draws the contact sheet).
  const c = await t.clone();
  const t0 = performance.now();
  const render = await c.run(["render", c.file]);
  const renderMs = performance.now() - t0;
  if (render.exitCode !== 0) throw new Error(render.stderr);
  await t.stop();
  const ratio = median(runs.a) / median(runs.b);
  return {
    id: "remote-warm",
    what: `empty local cache, 24 shots in the bucket (${(bytes / 1e6).toFixed(0)} MB): storyreel cache pull`,
    value: `${s(median(runs.a))} (${ratio.toFixed(2)}x); a whole render from the bucket ${s(renderMs)}, ${t.fal.count("submit") - 24} submits`,
    anchor: `the same bytes with the AWS SDK alone: ${s(median(runs.b))}`,
    target: "<= 1.3x the anchor",
    met: ratio <= 1.3 && t.fal.count("submit") === 24,
    detail: { ratio, runs, renderMs },
  };
}

export async function claims(): Promise<Result> {
  const t = await setup(24, 1500);
  const [a, b] = [await t.clone(), await t.clone()];
  const t0 = performance.now();
  const both = await Promise.all(
    [a, b].map((c) => c.run(["render", c.file, "--concurrency", "8", "--claim-lease", "6"])),
  );
  const ms = performance.now() - t0;
  for (const r of both) if (r.exitCode !== 0) throw new Error(r.stderr);
  const submits = t.fal.count("submit");
  await t.stop();
  return {
    id: "claims",
    what: "two processes render the same 24 new shots at once (fake fal at 1.5 s, concurrency 8 each)",
    value: `${submits} submits in ${s(ms)}`,
    anchor: "n/a",
    target: "24 submits",
    met: submits === 24,
  };
}
