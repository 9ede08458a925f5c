// The sidecar records of the store's kinds: one base every paid output has, and each kind's extras. The JSON on
// disk keeps each kind's field names and order (existing caches and the remote cache's records read it).
import type { MediaInfo } from "../../media/probe.js";
import type { AudioFormat } from "../../models/audio-types.js";
import type { ArtifactKind } from "../layout.js";

// The kinds with a sidecar (a frame has none: it is taken again for free); the remote cache shares these.
export type SidecarKind = Exclude<ArtifactKind, "frame">;
export const SIDECAR_KINDS: readonly SidecarKind[] = ["clip", "still", "sound"];

// Whether this kind of entry keeps a sidecar (a frame does not, nor a film's piece, which is no artifact).
export function hasSidecar(kind: string): kind is SidecarKind {
  return (SIDECAR_KINDS as readonly string[]).includes(kind);
}

export interface SidecarBase {
  version: 1;
  key: string;
  provider: string;
  endpoint: string;
  // The model input as sent (uploaded image URLs included).
  input: Record<string, unknown>;
  request_id?: string;
  created_at: string;
  bytes: number;
  sha256: string;
  cost: number;
  // What the cache key hashed, so a later plan can say which field changed.
  key_material?: Record<string, unknown>;
}

export interface ClipSidecar extends SidecarBase {
  shot: string;
  timings: { queue_ms?: number; generate_ms?: number; download_ms?: number; total_ms: number };
  duration: number;
  has_audio: boolean;
  // ffprobe's facts, so stitching need not probe again.
  media?: MediaInfo;
  // Where the provider served the clip: a damaged copy is fetched again from here before anything is re-paid.
  video_url?: string;
  // A finishing pass's output (lip-synced or upscaled), and the clip it was made from.
  pass?: "lipsync" | "upscale";
  from?: string;
}

export interface StillSidecar extends SidecarBase {
  still: string;
  format: "png" | "jpeg" | "webp";
  width: number;
  height: number;
  key_material: Record<string, unknown>;
  // Where the provider served it, so a damaged copy can be fetched again before anything is re-paid.
  image_url?: string;
}

export interface SoundSidecar extends SidecarBase {
  kind: "voice" | "music";
  format: AudioFormat;
  // Seconds, measured by ffprobe when it entered the cache.
  duration: number;
  key_material: Record<string, unknown>;
  // Where the provider served it, so a damaged copy can be fetched again before anything is re-paid.
  audio_url?: string;
  // How a preview stand-in was voiced: "espeak-ng", "flite" or "tone".
  voiced_by?: string;
}

export interface Sidecars {
  clip: ClipSidecar;
  still: StillSidecar;
  sound: SoundSidecar;
}
export type SidecarOf<K extends SidecarKind> = Sidecars[K];
export type AnySidecar = Sidecars[SidecarKind];
// What a provider gives to insert: the store adds the version, the key, the size and the sha256.
export type SidecarFacts<K extends SidecarKind> = Omit<SidecarOf<K>, "version" | "key" | "bytes" | "sha256">;
