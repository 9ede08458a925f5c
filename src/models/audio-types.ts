// An audio model registry entry (models/audio/*.json): text-to-speech for voice-overs, or music for the bed.

// The audio formats storyreel reads (by their first bytes): music files, and what the audio models return.
export type AudioFormat = "mp3" | "wav" | "flac" | "ogg" | "m4a";

export type SoundField = "text" | "voice" | "prompt" | "seconds";

export interface AudioModelSpec {
  endpoint: string;
  name: string;
  kind: "text-to-speech" | "music";
  // Dollars per 1000 characters of text (speech), or per minute of output (music); `source` is where it was read.
  price: { per_1000_chars?: number; per_minute?: number; per_request?: number; source: string };
  max_chars: number;
  // Speech: the voices the model has, and the one used when none is named.
  voices?: string[];
  default_voice?: string;
  // Music: the lengths in seconds the model makes.
  min_seconds?: number;
  max_seconds?: number;
  // Each input field comes from the step (`from`) or is fixed (`value`).
  input: Record<string, { from: SoundField } | { value: unknown }>;
  output: { audio_url: string };
}
