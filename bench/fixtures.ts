// Bench fixtures: storyboard projects, real clips of a given shape, and cache entries made without generating.
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { cachePaths } from "../src/cache/layout.js";
import { hashFile } from "../src/cache/artifacts/index.js";
import { findMediaTools } from "../src/media/binaries.js";
import { probeMedia } from "../src/media/probe.js";
import { loadStoryboard, planRender, validateStoryboard, type ProviderId } from "../src/index.js";
import { makeClip } from "../testkit/clips.js";

// The projects are testkit's: the soak renders the same ones.
export { project } from "../testkit/shot-project.js";

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
