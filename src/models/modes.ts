// A family's mode as a shot uses it, and which mode a shot's inputs choose.
import { inputFor } from "./input-rules.js";
import {
  type DurationForm,
  type ImageLimits,
  MODE_NAMES,
  type ModeName,
  type ModelSpec,
  type VideoFamily,
} from "./types.js";

export function modeSpec(family: VideoFamily, mode: ModeName): ModelSpec | undefined {
  const doc = family.modes[mode];
  if (!doc) return undefined;
  const { durations, price, ...rest } = doc;
  return {
    ...rest,
    family: family.family,
    familyName: family.name,
    mode,
    name: `${family.name} ${mode}`,
    durations: Array.isArray(durations)
      ? durations
      : // A range the file's check refuses (max below min, or longer than any clip) yields no durations.
        Array.from({ length: rangeLength(durations) }, (_, i) => durations.min + i),
    price: price ?? family.price,
    origin: family.origin,
    file: family.file,
  };
}

export const LONGEST_RANGE = 600;

export function rangeLength(r: { min: number; max: number }): number {
  const n = r.max - r.min + 1;
  return n > 0 && n <= LONGEST_RANGE ? n : 0;
}

// The frame count a duration is sent as, in the `frames` form (LTX-2 19B's num_frames): seconds x fps + 1.
export function framesSent(seconds: number, fps = 24): number {
  return Math.round(seconds * fps) + 1;
}

// A value in the form its input rule says: a duration as "8", "8s", 8 or a frame count.
export function inForm(value: unknown, form: DurationForm, fps?: number): unknown {
  switch (form) {
    case "string":
      return String(value);
    case "number":
      return Number(value);
    case "seconds":
      return `${value}s`;
    case "frames":
      return framesSent(Number(value), fps);
  }
}

// What a shot that names none gets: the mode's default duration, and its default resolution (if it has a choice).
export function defaultDuration(model: Pick<ModelSpec, "default_duration" | "durations">): number {
  return model.default_duration ?? model.durations[0]!;
}

export function resolutionOf(
  model: Pick<ModelSpec, "default_resolution" | "resolutions">,
  chosen?: string,
): string | undefined {
  return chosen ?? model.default_resolution ?? model.resolutions?.[0];
}

// "16:9" as a number.
export function ratioOf(aspect: string): number {
  const [w, h] = aspect.split(":").map(Number) as [number, number];
  return w / h;
}

// Whether an image of this size is one the mode's start (or reference) images may be.
export function fitsImage(width: number, height: number, limits: ImageLimits): boolean {
  const aspect = width / height;
  return (
    Math.min(width, height) >= limits.min_side && aspect >= limits.min_aspect && aspect <= limits.max_aspect
  );
}

// Two aspect ratios a stitcher can treat as one shape: within 3% of each other.
export function sameShape(a: number, b: number): boolean {
  return Math.abs(a / b - 1) <= 0.03;
}

// Every mode of every family, the project's first (a name they share means theirs).
export function allModes(families: readonly VideoFamily[]): ModelSpec[] {
  return families.flatMap((f) => modesOf(f).map((m) => modeSpec(f, m)!));
}

export function endpointsOf(family: VideoFamily): string[] {
  return Object.values(family.modes).map((m) => m!.endpoint);
}

export interface ShotInputs {
  image: boolean;
  endImage: boolean;
  references: boolean;
}

// The mode the shot's inputs name: references → reference-to-video; an image and an end image →
// first-last-frame, or the image-to-video endpoint's end-frame field where the family has no such mode.
export function chooseMode(family: VideoFamily, inputs: ShotInputs): ModeName {
  if (inputs.references) return "reference-to-video";
  if (inputs.image && inputs.endImage) {
    const i2v = family.modes["image-to-video"];
    const endField = i2v && takes(i2v, "end_image");
    return family.modes["first-last-frame"] || !endField ? "first-last-frame" : "image-to-video";
  }
  return inputs.image ? "image-to-video" : "text-to-video";
}

export function modesOf(family: VideoFamily): ModeName[] {
  return MODE_NAMES.filter((m) => family.modes[m]);
}

// Whether the mode takes this input (an end frame, a start frame in reference-to-video).
export function takes(model: Pick<ModelSpec, "input">, field: string): boolean {
  return inputFor(model.input, field) !== undefined;
}

// "4, 6 or 8"; a long run of whole seconds as "2 to 15".
export function durationsText(durations: readonly number[]): string {
  const run = durations.length > 4 && durations.every((d, i) => i === 0 || d === durations[i - 1]! + 1);
  if (run) return `${durations[0]} to ${durations.at(-1)}`;
  return orList(durations.map(String));
}

export function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}
