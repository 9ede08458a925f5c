// A family's mode as a shot uses it, and which mode a shot's inputs choose.
import { MODE_NAMES, type ModeName, type ModelSpec, type VideoFamily } from "./types.js";

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
    const endField = i2v && Object.values(i2v.input).some((r) => r.from === "end_image");
    return family.modes["first-last-frame"] || !endField ? "first-last-frame" : "image-to-video";
  }
  return inputs.image ? "image-to-video" : "text-to-video";
}

export function modesOf(family: VideoFamily): ModeName[] {
  return MODE_NAMES.filter((m) => family.modes[m]);
}

// Whether the mode takes this input (an end frame, a start frame in reference-to-video).
export function takes(model: Pick<ModelSpec, "input">, field: string): boolean {
  return Object.values(model.input).some((r) => r.from === field);
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
