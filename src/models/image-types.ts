// An image model registry entry (models/images/*.json): text-to-image, or edit from reference images.

export type StillField = "prompt" | "size" | "references" | "aspect_ratio";

export interface ImageModelSpec {
  endpoint: string;
  name: string;
  kind: "text-to-image" | "image-edit";
  // Dollars per image, or per megapixel of output; `source` is where the price was read.
  price: { per_image?: number; per_megapixel?: number; source: string };
  default_size: [number, number];
  max_references?: number;
  prompt_max_chars: number;
  // Each input field comes from the still (`from`) or is fixed (`value`).
  input: Record<string, { from: StillField } | { value: unknown }>;
  output: { image_url: string };
}
