// A pass model as its file says (models/passes/<name>.json, checked against schemas/pass-model.schema.json):
// a fal endpoint that takes a made clip and gives it back lip-synced to a voice-over, or upscaled.
import type { PriceExpression, Source } from "./types.js";

export type PassKind = "lipsync" | "upscale";

// What a pass step receives: the clip, the voice-over, the target height's name, a frame rate, a sync mode.
export type PassField = "video" | "audio" | "height" | "fps" | "sync_mode";

// A height as its pixels (1080) instead of its name ("1080p"); a frame rate as "30fps" instead of 30.
export type PassValueForm = "pixels" | "suffixed";

export type PassInputRule = { from: PassField; as?: PassValueForm } | { value: unknown };

export interface PassLimits {
  video?: {
    min_seconds?: number;
    max_seconds?: number;
    // The shorter side at least, the longer side at most, in pixels.
    min_side?: number;
    max_side?: number;
    max_bytes?: number;
    formats?: Array<"mp4" | "mov" | "webm">;
  };
  audio?: { min_seconds?: number; max_seconds?: number; max_bytes?: number };
}

// The seconds a pass is priced on: the input video's, or the longer of the video and the audio.
export type BilledSeconds = "video" | "longer_of_video_and_audio";

export interface PassDoc {
  name: string;
  aliases?: string[];
  kind: PassKind;
  title: string;
  good_for: string;
  endpoint: string;
  input: Record<string, PassInputRule>;
  schema: Record<string, unknown>;
  limits: PassLimits;
  // Upscale: the target names the request sends, and their pixel heights ("2k": 1440).
  heights?: Record<string, number>;
  sync_modes?: string[];
  default_sync_mode?: string;
  billed_seconds: BilledSeconds;
  price: PriceExpression;
  sources: Source[];
  output: { video_url: string };
}

// A pass as loaded: where its file is.
export interface PassModel extends PassDoc {
  file: string;
}

// What a pass step knows when it is priced: the input clip's seconds, the voice-over's, the target height.
export interface PassFacts {
  seconds: number;
  audioSeconds?: number;
  height?: string;
}

// The values a pass request is built from (each used where the pass's input map asks for it); the clip and the
// voice-over are uploaded URLs in the request, and their keys in the pass's cache key.
export interface PassValues {
  video: unknown;
  audio?: unknown;
  height?: string;
  fps?: number;
  syncMode?: string;
}
