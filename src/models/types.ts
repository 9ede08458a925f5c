// A video model family as its file says (models/video/<family>.json, checked against
// schemas/video-model.schema.json), and one of its modes as a shot uses it (ModelSpec).

export type ModeName = "text-to-video" | "image-to-video" | "first-last-frame" | "reference-to-video";
export const MODE_NAMES: readonly ModeName[] = [
  "text-to-video",
  "image-to-video",
  "first-last-frame",
  "reference-to-video",
];

export type ShotField =
  | "prompt"
  | "image"
  | "end_image"
  | "references"
  | "duration"
  | "negative_prompt"
  | "audio"
  | "resolution"
  | "aspect_ratio";

// The duration's form in the request: "8", "8s", 8, or a frame count.
export type DurationForm = "string" | "seconds" | "number" | "frames";

export interface InputRule {
  from: ShotField;
  as?: DurationForm;
}

export interface ImageLimits {
  formats: Array<"png" | "jpeg" | "webp">;
  min_side: number;
  min_aspect: number;
  max_aspect: number;
  max_bytes: number;
}

export interface PriceCondition {
  audio?: boolean;
  voice?: boolean;
  resolution?: string[];
  mode?: ModeName[];
  seconds_at_most?: number;
}

export interface PriceRule {
  when?: PriceCondition;
  per_second?: number;
  per_clip?: number;
  base?: number;
  base_seconds?: number;
  per_extra_second?: number;
  per_block?: number;
  block_seconds?: number;
  per_megapixel?: number;
}

export interface PriceExpression {
  rules: PriceRule[];
  multipliers?: Array<{ when: PriceCondition; by: number }>;
  note?: string;
}

export interface Source {
  url: string;
  read: string;
  what: string;
}

export type AudioSupport = "optional" | "always" | "never";

export interface ModeDoc {
  endpoint: string;
  input: Record<string, InputRule>;
  schema: Record<string, unknown>;
  durations: number[] | { min: number; max: number };
  default_duration?: number;
  resolutions?: string[];
  default_resolution?: string;
  sizes?: Record<string, [number, number]>;
  fps?: number;
  aspect_ratios?: string[];
  audio: AudioSupport;
  references?: { min?: number; max: number; tag: string };
  prompt_max_chars: number;
  default_negative_prompt?: string;
  image?: ImageLimits;
  output: { video_url: string };
  price?: PriceExpression;
}

export interface FamilyDoc {
  family: string;
  aliases?: string[];
  name: string;
  good_for: string;
  sources: Source[];
  price: PriceExpression;
  modes: Partial<Record<ModeName, ModeDoc>>;
}

// A family as loaded: where its file is, and whether the project brought it.
export interface VideoFamily extends FamilyDoc {
  file: string;
  origin: "shipped" | "project";
}

// One mode of one family: what a shot's clip is made with.
export interface ModelSpec extends Omit<ModeDoc, "durations" | "price"> {
  family: string;
  familyName: string;
  mode: ModeName;
  // "Kling 2.6 Pro image-to-video".
  name: string;
  durations: number[];
  price: PriceExpression;
  origin: VideoFamily["origin"];
  file: string;
}
