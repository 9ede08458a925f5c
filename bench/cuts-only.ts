// `cuts-only`: the whole `storyreel render` command for a 48-shot film of cached clips joined by cuts (the film
// itself removed before each run, so it is stitched every time), against what a user would type instead:
// `ffmpeg -f concat -c copy` over the same clips. Cold processes, alternated, median of at least 5.
import { execa } from "execa";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { cachePaths } from "../src/cache/layout.js";
import { findMediaTools } from "../src/media/binaries.js";
import { loadStoryboard, planRender, validateStoryboard } from "../src/index.js";
import { storyreel } from "../testkit/cli.js";
import { FakeFal } from "../testkit/fake-fal.js";
import { falEnv } from "../testkit/fal-env.js";
import { clip, fillCache, project } from "./fixtures.js";
import { median, type Result, sideBySide } from "./lib.js";

export async function cutsOnly(key: string, runs: number): Promise<Result> {
  const fake = await new FakeFal({ key }).start();
  try {
    const p = await project(48);
    await fillCache(p.file, p.cache, "fal", clip({ w: 1280, h: 720, seconds: 5 }));
    const env = falEnv(fake, p.cache);
    const film = path.join(p.dir, "out", "storyboard.mp4");
    const render = async () => {
      await rm(film, { force: true });
      const r = await storyreel(["render", p.file], { cwd: p.dir, env });
      if (r.exitCode !== 0) throw new Error(r.stderr);
    };
    const list = path.join(p.dir, "concat.txt");
    const plan = planRender(
      await validateStoryboard(await loadStoryboard(p.file)),
      { has: () => true },
      { provider: "fal" },
    );
    const paths = cachePaths(p.cache);
    await writeFile(list, plan.shots.map((s) => `file '${paths.clip(s.key)}'\n`).join(""));
    const byHand = path.join(p.dir, "by-hand.mp4");
    const ffmpeg = findMediaTools(process.env).ffmpeg;
    const concat = async () => {
      await rm(byHand, { force: true });
      await execa(ffmpeg, ["-v", "error", "-f", "concat", "-safe", "0", "-i", list, "-c", "copy", byHand]);
    };
    await render();
    const t = await sideBySide(Math.max(5, runs), render, concat);
    const ratio = median(t.a) / median(t.b);
    return {
      id: "cuts-only",
      what: "render 48 cached 1280x720 5 s shots joined by cuts, the film made again: whole command",
      value: `${(median(t.a) / 1000).toFixed(3)} s (${ratio.toFixed(2)}x)`,
      anchor: `ffmpeg -f concat -c copy over the same clips: ${(median(t.b) / 1000).toFixed(3)} s`,
      target: "<= 1.5x the anchor",
      met: ratio <= 1.5,
      detail: { ratio, ...t },
    };
  } finally {
    await fake.stop();
  }
}
