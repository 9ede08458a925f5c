// Build a throwaway storyboard project on disk: images plus storyboard.yaml.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import { solidPng } from "./png.js";
import { tempDir } from "./cli.js";

export interface ProjectSpec {
  // file name -> [width, height, rgb?]
  images?: Record<string, [number, number, [number, number, number]?]>;
  storyboard: Record<string, unknown>;
  name?: string;
}

export async function makeProject(spec: ProjectSpec): Promise<{ dir: string; file: string }> {
  const dir = await tempDir("storyreel-project-");
  await mkdir(path.join(dir, "images"), { recursive: true });
  const images = spec.images ?? { "a.png": [480, 320] };
  for (const [name, [w, h, rgb]] of Object.entries(images))
    await writeFile(path.join(dir, "images", name), solidPng(w, h, rgb));
  const file = path.join(dir, spec.name ?? "storyboard.yaml");
  await writeFile(file, stringify(spec.storyboard));
  return { dir, file };
}

// A storyboard with `n` shots over images/a.png (tests override what they need).
export function shots(n: number, extra: Record<string, unknown> = {}): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, i) => ({
    id: `s${i + 1}`,
    image: "images/a.png",
    prompt: `shot number ${i + 1}`,
    ...extra,
  }));
}
