// Which model and mode makes each shot's clip: the shot's `model` (or the storyboard's), and the mode its
// inputs name. A mode the family lacks is refused, naming the modes it has and the families that have it.
import { findFamily, namesOf, type VideoModels } from "../models/registry.js";
import { chooseMode, endpointsOf, modeSpec, modesOf, ratioOf, sameShape, takes } from "../models/modes.js";
import type { ModelSpec } from "../models/types.js";
import { closest, shown } from "../util/suggest.js";
import type { DataPath } from "./positions.js";
import type { Report } from "./report-problem.js";
import type { ShotDoc } from "./types.js";

export interface ModelContext {
  models: VideoModels;
  // The storyboard's model (defaults.model or model) and where it is written; absent: the registry's default.
  name: string;
  at?: DataPath;
}

export function shotModel(
  s: Partial<ShotDoc>,
  index: number,
  m: ModelContext,
  report: Report,
): ModelSpec | undefined {
  const own = typeof s.model === "string";
  const name = own ? s.model! : m.name;
  const family = findFamily(m.models, name);
  if (!family) {
    // An empty name was reported by the schema.
    if (own && name !== "") report(["shots", index, "model"], unknownModel(name, m.models));
    return undefined;
  }
  const at = (field: string): DataPath => ["shots", index, field];
  const inputs = {
    image: s.image !== undefined,
    endImage: s.end_image !== undefined,
    references: s.references !== undefined,
  };
  if (inputs.endImage && !inputs.image && !inputs.references) {
    report(at("end_image"), "an end frame needs a start frame: give the shot an `image` too");
    return undefined;
  }
  const mode = chooseMode(family, inputs);
  const spec = modeSpec(family, mode);
  if (!spec) {
    const why = describeInputs(inputs);
    // The families that can make this shot (Kling 2.6 takes an end frame on its image-to-video endpoint).
    const others = m.models.families.filter((f) => modeSpec(f, chooseMode(f, inputs))).map((f) => f.family);
    const where = own
      ? at("model")
      : inputs.references
        ? at("references")
        : inputs.image
          ? at("image")
          : ["shots", index];
    report(
      where,
      `${family.family} has no ${mode} mode (${why}); it has ${modesOf(family).join(", ")}. Models with ${mode}: ${others.length ? others.join(", ") : "none"}`,
    );
    return undefined;
  }
  // A fal endpoint id names one mode: a shot whose inputs name another is told so, not moved to it.
  if (endpointsOf(family).includes(name) && spec.endpoint !== name) {
    const named = modesOf(family).find((x) => family.modes[x]!.endpoint === name)!;
    report(
      own ? at("model") : (m.at ?? ["shots", index]),
      `${name} is ${family.family}'s ${named} endpoint, and this shot is ${mode} (${describeInputs(inputs)}): write model: ${family.family} to let each shot's inputs choose the endpoint`,
    );
    return undefined;
  }
  if (inputs.references && inputs.image && !takes(spec, "image"))
    report(at("image"), `${family.family} ${mode} takes no start image: leave image out, or the references`);
  if (inputs.references && inputs.endImage && !takes(spec, "end_image"))
    report(at("end_image"), `${family.family} ${mode} takes no end frame`);
  return spec;
}

function describeInputs(inputs: { image: boolean; endImage: boolean; references: boolean }): string {
  if (inputs.references) return "the shot has references";
  if (inputs.endImage) return "the shot has an image and an end_image";
  return inputs.image ? "the shot has an image" : "the shot has no image";
}

export function unknownModel(name: string, models: VideoModels): string {
  const known = models.families.map((f) => f.family);
  const hint = closest(name, [...models.families.flatMap(namesOf), ...models.families.flatMap(endpointsOf)]);
  // A project file that could not be read may be the one that names it.
  if (models.problems.length > 0)
    return `unknown model ${shown(name)}: a model file beside the storyboard has errors (above), and may be the one that names it`;
  return `unknown model ${shown(name)}; known models: ${known.join(", ")}${hint ? ` (did you mean "${hint}"?)` : ""}. Add a model file in models/ beside the storyboard to use another fal endpoint (see docs/models.md)`;
}

// The film's aspect ratio as models name it ("16:9"), from render.resolution; 16:9 when the film takes the
// first clip's size.
export function filmAspect(resolution: unknown): { ratio: number; text: string } {
  if (typeof resolution !== "string" || !/^\d+x\d+$/.test(resolution)) return { ratio: 16 / 9, text: "16:9" };
  const [w, h] = resolution.split("x").map(Number) as [number, number];
  const g = gcd(w, h);
  return { ratio: w / h, text: `${w / g}:${h / g}` };
}

// The model's aspect ratio nearest the film's (within 3%), or undefined.
export function aspectFor(model: ModelSpec, film: { ratio: number }): string | undefined {
  const offered = model.aspect_ratios ?? [];
  const best = offered.reduce<string | undefined>(
    (b, a) =>
      b === undefined || Math.abs(ratioOf(a) - film.ratio) < Math.abs(ratioOf(b) - film.ratio) ? a : b,
    undefined,
  );
  return best && sameShape(ratioOf(best), film.ratio) ? best : undefined;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
