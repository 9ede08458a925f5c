// The video model registry: the families storyreel ships (models/video/), and a project's own beside its
// storyboard (models/ or STORYREEL_MODELS), which may add families or shadow shipped ones.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Problem } from "../errors.js";
import { MODELS_DIR } from "../paths.js";
import { endpointsOf } from "./modes.js";
import { readFamilies } from "./video-files.js";
import type { VideoFamily } from "./types.js";

// The family a shot uses when neither it nor the storyboard names one.
export const DEFAULT_MODEL = "kling-2.6-pro";

let shipped: VideoFamily[] | undefined;

export function shippedFamilies(): VideoFamily[] {
  if (shipped) return shipped;
  const read = readFamilies(path.join(MODELS_DIR, "video"), "shipped");
  if (read.problems.length > 0)
    throw new Error(`bug: a shipped model file is invalid: ${JSON.stringify(read.problems[0])}`);
  shipped = read.families;
  return shipped;
}

export interface VideoModels {
  // Project families first: a name they share with a shipped family means theirs.
  families: VideoFamily[];
  // Project families that take a name a shipped family has.
  shadowed: Array<{ name: string; file: string }>;
  problems: Problem[];
}

// The registry a storyboard sees: shipped families and the project's (each folder's *.json and video/*.json).
export function videoModels(projectDirs: readonly string[] = []): VideoModels {
  const own: VideoFamily[] = [];
  const problems: Problem[] = [];
  for (const dir of projectDirs) {
    if (path.resolve(dir) === path.resolve(MODELS_DIR)) continue;
    for (const sub of [dir, path.join(dir, "video")]) {
      const read = readFamilies(sub, "project");
      own.push(...read.families);
      problems.push(...read.problems);
    }
  }
  problems.push(...twice(own));
  const base = shippedFamilies();
  // A project family that takes a shipped name or endpoint id is used in its place: plan says so.
  const shipped = new Set(base.flatMap((b) => [...namesOf(b), ...endpointsOf(b)]));
  const shadowed = own.flatMap((f) =>
    [...namesOf(f), ...endpointsOf(f)].filter((n) => shipped.has(n)).map((name) => ({ name, file: f.file })),
  );
  return { families: [...own, ...base], shadowed, problems };
}

// Two project files that give the same name (or endpoint id) would make a shot's model (and its price) depend on file order.
function twice(own: VideoFamily[]): Problem[] {
  const seen = new Map<string, string>();
  const problems: Problem[] = [];
  for (const f of own)
    for (const name of [...namesOf(f), ...endpointsOf(f)]) {
      const first = seen.get(name);
      if (first && first !== f.file)
        problems.push({
          file: f.file,
          line: 1,
          col: 1,
          path: "family",
          message: `the name ${name} is also given by ${first}: give each family its own names`,
        });
      else seen.set(name, f.file);
    }
  return problems;
}

export function namesOf(family: VideoFamily): string[] {
  return [family.family, ...(family.aliases ?? [])];
}

// A family by the name a storyboard writes: its alias, or the fal endpoint id of one of its modes.
export function findFamily(models: VideoModels, name: string): VideoFamily | undefined {
  return (
    models.families.find((f) => namesOf(f).includes(name)) ??
    models.families.find((f) => endpointsOf(f).includes(name))
  );
}

// Every endpoint any family uses (fal's request listing is searched by endpoint).
export function videoEndpoints(models: VideoModels = videoModels()): string[] {
  return [...new Set(models.families.flatMap(endpointsOf))];
}

// The model files of one folder (not its subfolders), by endpoint, in file-name order (stills and sounds).
export function readModels<T extends { endpoint: string }>(dir: string): Map<string, T> {
  const models = new Map<string, T>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    const spec = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as T;
    models.set(spec.endpoint, spec);
  }
  return models;
}
