// Bench fixtures: storyboard projects, real clips of a given shape, and cache entries made without generating.
import { copyFile, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { cachePaths } from "../src/cache/layout.js";
import { hashFile } from "../src/cache/store.js";
import { gradientPng } from "../src/init/png.js";
import { findMediaTools } from "../src/media/binaries.js";
import { probeMedia } from "../src/media/probe.js";
import { loadStoryboard, planRender, validateStoryboard, type ProviderId } from "../src/index.js";
import { makeClip } from "../testkit/clips.js";

export async function project(
  shots: number,
  options: { prompt?: (i: number) => string; transition?: boolean; resolution?: string } = {},
) {
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-bench-"));
  await mkdir(path.join(dir, "images"));
  await writeFile(
    path.join(dir, "images", "frame.png"),
    gradientPng(640, 360, [30, 60, 120], [220, 160, 40]),
  );
  const list = Array.from({ length: shots }, (_, i) => ({
    id: `shot-${i + 1}`,
    image: "images/frame.png",
    prompt: options.prompt?.(i) ?? `bench shot number ${i + 1}`,
    ...(options.transition && i > 0 && { transition: { type: "crossfade", duration: 0.5 } }),
  }));
  const file = path.join(dir, "storyboard.yaml");
  const render = options.resolution ? { render: { resolution: options.resolution } } : {};
  const write = (l: typeof list) =>
    writeFile(file, stringify({ version: 1, defaults: { duration: 5, audio: true }, ...render, shots: l }));
  await write(list);
  return { dir, file, cache: path.join(dir, "cache"), shots: list, write };
}

// A real h264 + aac clip of this shape, made once per shape and reused (testkit's clip maker, 48 kHz audio).
export function clip(opts: {
  w: number;
  h: number;
  seconds: number;
  hue?: number;
  bitrate?: string;
}): string {
  const hue = opts.hue ?? 0;
  return makeClip({
    ...opts,
    fps: 24,
    audio: true,
    sampleRate: 48000,
    frequency: 330 + hue,
    gop: null,
  });
}

// Put `source` in the cache under every shot's key, with a correct sidecar, as if each had been generated.
export async function fillCache(
  file: string,
  cacheDir: string,
  provider: ProviderId,
  source: string,
): Promise<void> {
  const board = await validateStoryboard(await loadStoryboard(file));
  const plan = planRender(board, { has: () => false }, { provider });
  const paths = cachePaths(cacheDir);
  await mkdir(path.join(cacheDir, "clips"), { recursive: true });
  const media = await probeMedia(findMediaTools(process.env).ffprobe, source);
  const { sha256, bytes } = await hashFile(source);
  for (const s of plan.shots) {
    await copyFile(source, paths.clip(s.key));
    const sidecar = {
      version: 1,
      key: s.key,
      shot: s.id,
      provider,
      endpoint: plan.model,
      input: {},
      created_at: new Date().toISOString(),
      timings: { total_ms: 0 },
      cost: s.cost,
      duration: media.duration,
      has_audio: true,
      media,
      bytes,
      sha256,
    };
    await writeFile(paths.sidecar(s.key), JSON.stringify(sidecar));
  }
}
