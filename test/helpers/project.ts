// Build a throwaway storyboard project on disk: images plus storyboard.yaml.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import { solidPng } from "./png.js";
import { tempDir } from "../../testkit/cli.js";

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

// A small film that takes every stitch path the demo takes, in four shots instead of five: a crossfade into a
// silent shot, a cut (so two segments), a fade into a trimmed shot. 5 + 5 + 5 + 4 s minus two 0.5 s transitions.
export const MINI_FILM_SECONDS = 18;
export function miniFilm(): ProjectSpec {
  return {
    images: {
      "a.png": [480, 320, [200, 80, 40]],
      "b.png": [480, 320, [40, 160, 80]],
      "c.png": [320, 480, [40, 80, 200]],
    },
    storyboard: {
      version: 1,
      title: "Mini film",
      output: "out/mini.mp4",
      shots: [
        { id: "red", image: "images/a.png", prompt: "a red morning" },
        {
          id: "green",
          image: "images/b.png",
          prompt: "a quiet green noon",
          audio: false,
          transition: { type: "crossfade", duration: 0.5 },
        },
        { id: "blue", image: "images/c.png", prompt: "a blue evening" },
        {
          id: "night",
          image: "images/a.png",
          prompt: "night falls",
          transition: { type: "fade", duration: 0.5 },
          trim: { start: 0.5, end: 4.5 },
        },
      ],
    },
  };
}
