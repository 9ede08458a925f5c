// The storyboard as written (StoryboardDoc, mirrors schemas/storyboard.schema.json) and as resolved (Storyboard).
import type { ImageModelSpec } from "../models/image-types.js";
import type { AudioFormat, AudioModelSpec } from "../models/audio-types.js";
import type { ModelSpec } from "../models/types.js";
import type { PassModel } from "../models/pass-types.js";

export type TransitionType = "cut" | "crossfade" | "fade";
export type CaptionMode = "file" | "burn";

// An image as written: a path or https URL, a named still, or a frame of another shot's clip.
export type ImageDoc = string | { still?: string; from?: string; frame?: "first" | "last" | number };

export interface StillDoc {
  prompt: string;
  takes?: number;
  size?: string;
  model?: string;
  edit?: string[];
}

export interface ShotDoc {
  id: string;
  model?: string;
  image?: ImageDoc;
  references?: ImageDoc[];
  resolution?: string;
  prompt: string;
  duration?: number;
  audio?: boolean;
  negative_prompt?: string;
  end_image?: ImageDoc;
  transition?: { type: TransitionType; duration?: number };
  trim?: { start?: number; end?: number };
  takes?: number;
  voiceover?: VoiceoverDoc;
  caption?: string;
  lipsync?: LipsyncDoc;
  upscale?: UpscaleDoc;
}

// Lip-sync the shot's voice-over onto its clip: true (the default model), or a model and its sync mode.
export type LipsyncDoc = boolean | { model?: string; sync_mode?: string };
// The height a shot's clip is upscaled to ("1080p", "2k", "4k"), or false for none (overrides render.upscale).
export type UpscaleDoc = string | false;

// Narration over a shot: the text alone, or with its voice, its offset into the shot and its TTS model.
export type VoiceoverDoc = string | { text: string; voice?: string; offset?: number; model?: string };

export interface MusicDoc {
  file?: string;
  prompt?: string;
  model?: string;
  volume_db?: number;
  duck?: boolean;
  fade_in?: number;
  fade_out?: number;
}

export interface StoryboardDoc {
  version: 1;
  title?: string;
  output?: string;
  model?: string;
  defaults?: { model?: string; duration?: number; audio?: boolean; negative_prompt?: string; voice?: string };
  render?: {
    concurrency?: number;
    timeout_minutes?: number;
    resolution?: string;
    fps?: number;
    loudness?: number;
    budget?: number;
    captions?: CaptionMode;
    upscale?: string;
  };
  stills?: Record<string, StillDoc>;
  music?: MusicDoc;
  shots: ShotDoc[];
}

// Key lists the schema test compares against the JSON schema; the type checks below keep them equal to the interfaces.
export const SHOT_KEYS = [
  "id",
  "model",
  "image",
  "references",
  "resolution",
  "prompt",
  "duration",
  "audio",
  "negative_prompt",
  "end_image",
  "transition",
  "trim",
  "takes",
  "voiceover",
  "caption",
  "lipsync",
  "upscale",
] as const;
export const STORYBOARD_KEYS = [
  "version",
  "title",
  "output",
  "model",
  "defaults",
  "render",
  "stills",
  "music",
  "shots",
] as const;
export const STILL_KEYS = ["prompt", "size", "model", "edit", "takes"] as const;
export const RENDER_KEYS = [
  "concurrency",
  "timeout_minutes",
  "resolution",
  "fps",
  "loudness",
  "budget",
  "captions",
  "upscale",
] as const;
export const MUSIC_KEYS = ["file", "prompt", "model", "volume_db", "duck", "fade_in", "fade_out"] as const;
// Checked by the compiler, not at run time: `npm run typecheck` fails when a key list and its type differ.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type KeyListsMatchTypes = [
  Assert<Same<keyof ShotDoc, (typeof SHOT_KEYS)[number]>>,
  Assert<Same<keyof StoryboardDoc, (typeof STORYBOARD_KEYS)[number]>>,
  Assert<Same<keyof NonNullable<StoryboardDoc["render"]>, (typeof RENDER_KEYS)[number]>>,
  Assert<Same<keyof StillDoc, (typeof STILL_KEYS)[number]>>,
  Assert<Same<keyof MusicDoc, (typeof MUSIC_KEYS)[number]>>,
];

// A local image, read and measured once during validation, or a remote one known only by its URL.
export type ImageRef =
  | {
      kind: "file";
      source: string;
      path: string;
      sha256: string;
      bytes: number;
      format: "png" | "jpeg" | "webp";
      width: number;
      height: number;
      // For a still or frame made by the graph: what its cache key counts it as ({ still: key } or { frame: key }).
      identity?: Record<string, string>;
    }
  | { kind: "url"; source: string; url: string }
  // Made by a step of the storyboard's graph: a named still, or a frame taken from another shot's clip.
  | { kind: "still"; source: string; still: string }
  | { kind: "frame"; source: string; from: string; frame: FrameAt };

export type FrameAt = "first" | "last" | number;

// A named still: generated from a prompt, or edited from references (other stills or image files).
export interface Still {
  name: string;
  prompt: string;
  size?: [number, number];
  model: ImageModelSpec;
  references: ImageRef[];
  takes: number;
}

export interface Shot {
  id: string;
  index: number;
  // The family's mode the shot's inputs chose.
  model: ModelSpec;
  // Absent for text-to-video.
  image?: ImageRef;
  endImage?: ImageRef;
  // Reference-to-video: the cast, each named as the prompt's `@name` says it.
  references?: Reference[];
  prompt: string;
  duration: number;
  audio: boolean;
  negativePrompt?: string;
  resolution?: string;
  // The film's aspect ratio, for modes that ask for one (text- and reference-to-video).
  aspectRatio?: string;
  transition: { type: TransitionType; duration: number };
  trim?: { start: number; end: number };
  takes: number;
  voiceover?: Voiceover;
  caption?: string;
  // Lip-sync its voice-over onto the clip (a pass step after the clip).
  lipsync?: ShotLipsync;
  // Upscale the clip (lip-synced, if it is) to this height: the shot's own, else render.upscale.
  upscale?: ShotUpscale;
}

export interface ShotLipsync {
  pass: PassModel;
  // The model's sync mode, for a model that has them (the model's default when not written).
  syncMode?: string;
  // The upscaler used first when the clip is smaller than the lip-sync model takes (the shot's, else the default).
  upscaler?: PassModel;
}

export interface ShotUpscale {
  pass: PassModel;
  // The target as the model names it ("1080p", "2k", "4k") and its pixels on the clip's short side.
  height: string;
  pixels: number;
}

export interface Reference {
  name: string;
  image: ImageRef;
  // Its place in the shot's `references` as written (for errors).
  at: number;
}

export interface Voiceover {
  text: string;
  voice: string;
  // Seconds after the shot starts in the film.
  offset: number;
  model: AudioModelSpec;
}

// A local audio file, read and hashed once during validation.
export interface AudioFile {
  source: string;
  path: string;
  sha256: string;
  bytes: number;
  format: AudioFormat;
}

// The bed under the whole film: a file, or made by a music model (a step of the graph).
export interface Music {
  source: { kind: "file"; file: AudioFile } | { kind: "prompt"; prompt: string; model: AudioModelSpec };
  volumeDb: number;
  duck: boolean;
  fadeIn: number;
  fadeOut: number;
}

export interface Storyboard {
  file: string;
  path: string;
  dir: string;
  name: string;
  title?: string;
  output: string;
  // The storyboard's own model (its image-to-video mode): what a still must suit to start a clip.
  model: ModelSpec;
  // The project's model files that shadow a shipped family's name (plan names them).
  shadowed?: Array<{ name: string; file: string }>;
  render: {
    concurrency?: number;
    timeoutMinutes?: number;
    resolution?: [number, number];
    fps?: number;
    loudness?: number;
    budget?: number;
    // Absent means "file".
    captions?: CaptionMode;
    // Every shot below this height is upscaled to it, unless the shot says otherwise.
    upscale?: string;
  };
  stills: Still[];
  music?: Music;
  shots: Shot[];
}

// Every image a shot's clip is made from: its start and end frames and its references.
export function shotImages(shot: Pick<Shot, "image" | "endImage" | "references">): ImageRef[] {
  const all = [shot.image, shot.endImage, ...(shot.references ?? []).map((r) => r.image)];
  return all.filter((i): i is ImageRef => i !== undefined);
}
