// A model registry entry (models/*.json, checked against schemas/model.schema.json).

export type ShotField = "prompt" | "image" | "end_image" | "duration" | "negative_prompt" | "audio";

export interface ModelSpec {
  endpoint: string;
  name: string;
  durations: number[];
  price_per_second: { audio_off: number; audio_on: number };
  image: {
    formats: Array<"png" | "jpeg" | "webp">;
    min_side: number;
    min_aspect: number;
    max_aspect: number;
    max_bytes: number;
  };
  prompt_max_chars: number;
  default_negative_prompt: string;
  input: Record<string, { from: ShotField; as?: "string" | "number" }>;
  output: { video_url: string };
}
