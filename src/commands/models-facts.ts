// What `storyreel models` says about a family, as one value: the text view and `--json` are both made from it,
// so they cannot disagree. Every figure comes from the family's file (its price rule evaluated, never restated).
import path from "node:path";
import { modeSpec, modesOf, resolutionOf } from "../models/modes.js";
import { clipFacts, clipPrice, priceInWords } from "../models/price.js";
import type { VideoModels } from "../models/registry.js";
import type { AudioSupport, ModeName, ModelSpec, Source, VideoFamily } from "../models/types.js";
import { PACKAGE_ROOT, shownPath } from "../paths.js";

// The shot length every family is compared at.
export const COMPARE_SECONDS = 5;

export interface ClipCost {
  seconds: number;
  // Dollars, rounded up to the cent; null when the family's rule does not price such a clip.
  usd: number | null;
  resolution: string | null;
  audio: boolean;
}

export interface ModeFacts {
  mode: ModeName;
  endpoint: string;
  durations: number[];
  // What the shot may choose (empty: the model makes one size, `makes`).
  resolutions: string[];
  default_resolution: string | null;
  makes: string[];
  aspect_ratios: string[];
  audio: AudioSupport;
  references: { min: number; max: number; tag: string } | null;
  price: string;
  per_5s: ClipCost & { makes_5s: boolean };
  // The clip length nearest 5 s that the mode does make, when it cannot make 5 s.
  nearest: ClipCost | null;
}

export interface FamilyFacts {
  family: string;
  aliases: string[];
  name: string;
  good_for: string;
  origin: VideoFamily["origin"];
  file: string;
  // A project family's names that a shipped family also has (the project's wins).
  shadows: string[];
  // For a shipped family: the project files that take one of its names.
  shadowed_by: Array<{ name: string; file: string }>;
  price_note: string | null;
  modes: ModeFacts[];
  sources: Source[];
}

export function familyFacts(family: VideoFamily, models: VideoModels, cwd: string): FamilyFacts {
  const names = [family.family, ...(family.aliases ?? [])];
  const shadowing = models.shadowed.filter((s) => names.includes(s.name));
  return {
    family: family.family,
    aliases: family.aliases ?? [],
    name: family.name,
    good_for: family.good_for,
    origin: family.origin,
    file: shownFile(family, cwd),
    shadows:
      family.origin === "project" ? shadowing.filter((s) => s.file === family.file).map((s) => s.name) : [],
    shadowed_by:
      family.origin === "shipped"
        ? shadowing.map((s) => ({ name: s.name, file: shownPath(cwd, s.file) }))
        : [],
    price_note: family.price.note ?? null,
    modes: modesOf(family).map((m) => modeFacts(modeSpec(family, m)!)),
    sources: family.sources,
  };
}

function modeFacts(model: ModelSpec): ModeFacts {
  const audio = model.audio !== "never";
  const made = model.durations.includes(COMPARE_SECONDS);
  return {
    mode: model.mode,
    endpoint: model.endpoint,
    durations: model.durations,
    resolutions: model.resolutions ?? [],
    default_resolution: resolutionOf(model) ?? null,
    makes: Object.keys(model.sizes ?? {}),
    aspect_ratios: model.aspect_ratios ?? [],
    audio: model.audio,
    references: model.references
      ? { min: model.references.min ?? 1, max: model.references.max, tag: model.references.tag }
      : null,
    price: priceInWords(model.price),
    per_5s: { ...clipCost(model, COMPARE_SECONDS, audio), makes_5s: made },
    nearest: made ? null : clipCost(model, nearestDuration(model.durations), audio),
  };
}

function clipCost(model: ModelSpec, seconds: number, audio: boolean): ClipCost {
  const facts = clipFacts(model, { duration: seconds, audio });
  return { seconds, usd: clipPrice(model.price, facts) ?? null, resolution: facts.resolution ?? null, audio };
}

// The length nearest 5 s; between two as near, the longer (it covers the 5 s, and can be trimmed).
function nearestDuration(durations: readonly number[]): number {
  const distance = (d: number) => Math.abs(d - COMPARE_SECONDS);
  return durations.reduce((best, d) =>
    distance(d) < distance(best) || (distance(d) === distance(best) && d > best) ? d : best,
  );
}

// A shipped family by its place in the package (models/video/veo-3.1.json); a project's by the working folder.
function shownFile(family: VideoFamily, cwd: string): string {
  return family.origin === "shipped"
    ? path.relative(PACKAGE_ROOT, family.file).split(path.sep).join("/")
    : shownPath(cwd, family.file);
}
