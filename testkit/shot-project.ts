// A storyboard project of n shots on one image (5 s each, with audio): what the soak and the benches render.
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { gradientPng } from "../src/init/png.js";

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
