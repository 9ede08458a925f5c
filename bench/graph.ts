// The `graph` benchmark's storyboard: 4 stills, 3 chains of 4 shots that continue each other (each chain
// starts from one still), and 6 independent shots (from the fourth still or an image file).
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { gradientPng } from "../src/init/png.js";

export const GRAPH = { stills: 4, chains: 3, chainLength: 4, independent: 6 };

export async function graphProject(tag: string) {
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-bench-graph-"));
  await mkdir(path.join(dir, "images"));
  await writeFile(
    path.join(dir, "images", "frame.png"),
    gradientPng(640, 360, [30, 60, 120], [220, 160, 40]),
  );
  const stills = Object.fromEntries(
    Array.from({ length: GRAPH.stills }, (_, i) => [
      `cast-${i + 1}`,
      { prompt: `${tag} cast still ${i + 1}` },
    ]),
  );
  const shots: Array<Record<string, unknown>> = [];
  for (let c = 1; c <= GRAPH.chains; c++)
    for (let n = 1; n <= GRAPH.chainLength; n++)
      shots.push({
        id: `chain-${c}-${n}`,
        image: n === 1 ? { still: `cast-${c}` } : { from: `chain-${c}-${n - 1}`, frame: "last" },
        prompt: `${tag} chain ${c} shot ${n}`,
      });
  for (let i = 1; i <= GRAPH.independent; i++)
    shots.push({
      id: `solo-${i}`,
      image: i % 2 ? { still: `cast-${GRAPH.stills}` } : "images/frame.png",
      prompt: `${tag} independent shot ${i}`,
    });
  const file = path.join(dir, "storyboard.yaml");
  await writeFile(file, stringify({ version: 1, defaults: { duration: 5, audio: false }, stills, shots }));
  return { dir, file, cache: path.join(dir, "cache") };
}

// max(critical path, total work ÷ concurrency), in fal steps of `latency` each.
export function lowerBoundMs(latencyMs: number, concurrency: number): number {
  const critical = (1 + GRAPH.chainLength) * latencyMs;
  const work = (GRAPH.stills + GRAPH.chains * GRAPH.chainLength + GRAPH.independent) * latencyMs;
  return Math.max(critical, work / concurrency);
}
