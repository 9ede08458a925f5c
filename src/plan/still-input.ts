// Map a still onto its image model's input, and price it, as the model's registry file says.
import type { ImageModelSpec } from "../models/image-types.js";
import type { ImageRef, Still } from "../storyboard/types.js";
import { roundCents } from "../util/money.js";

// The aspect ratios edit models take; a still's size picks the nearest.
const RATIOS = ["21:9", "16:9", "3:2", "4:3", "5:4", "1:1", "4:5", "3:4", "2:3", "9:16"];

export function stillInput(still: Still, imageValue: (image: ImageRef) => unknown): Record<string, unknown> {
  const [width, height] = stillSize(still);
  const input: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(still.model.input)) {
    if ("value" in rule) input[name] = rule.value;
    else if (rule.from === "prompt") input[name] = still.prompt;
    else if (rule.from === "size") input[name] = { width, height };
    else if (rule.from === "references") input[name] = still.references.map(imageValue);
    else if (rule.from === "aspect_ratio") input[name] = still.size ? nearestRatio(width / height) : "auto";
  }
  return input;
}

export function stillSize(still: Pick<Still, "size" | "model">): [number, number] {
  return still.size ?? still.model.default_size;
}

// Dollars for making this still once: per image, or per megapixel of its size.
export function stillCost(still: Pick<Still, "size" | "model">, model: ImageModelSpec = still.model): number {
  const [width, height] = stillSize(still);
  if (model.price.per_image !== undefined) return roundCents(model.price.per_image);
  return roundCents(((model.price.per_megapixel ?? 0) * width * height) / 1_000_000);
}

function nearestRatio(aspect: number): string {
  const value = (r: string) => {
    const [w, h] = r.split(":").map(Number) as [number, number];
    return w / h;
  };
  return RATIOS.reduce((best, r) =>
    Math.abs(Math.log(value(r) / aspect)) < Math.abs(Math.log(value(best) / aspect)) ? r : best,
  );
}
