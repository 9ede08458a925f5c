// The film's key and the record kept beside it, so an unchanged storyboard does no ffmpeg work at all.
import { readJson } from "../cache/atomic.js";
import { writeJsonChecked } from "../cache/checked-write.js";
import { filmFiles } from "../util/output-files.js";
import { statIfExists } from "../util/fs.js";
import { canonicalJson, sha256 } from "../util/hash.js";
import type { Storyboard } from "../storyboard/types.js";
import type { StitchClip } from "./profile.js";
import { upscaledFilmSize } from "../plan/model-notes.js";

// 2: films with fades are made again with the symmetric fade (segment format 2).
// 3: films are joined from pieces at their exact lengths (before, each join could drift the picture by up to
// half a millisecond).
export const FILM_FORMAT = 3;

export interface FilmRecord {
  version: 1;
  key: string;
  output: string;
  mode: "copy" | "normalised";
  duration: number;
  bytes: number;
  created_at: string;
  clips: Array<{ shot: string; key: string }>;
  // Where each clip starts in the film, in frames at `fps`: caption files are written from it.
  timing?: { fps: number; starts: number[]; total_frames: number };
  // The caption files written beside the film (removed when the storyboard drops its captions).
  captions?: string[];
  // The music bed's own length, which the film loops.
  music_seconds?: number;
  // Normalised films: segments encoded this time, reused from the cache, and how many clips were re-encoded.
  segments?: { made: number; reused: number; clips_encoded: number };
  // Normalised films: the soundtrack's AAC chunks encoded this time and reused from the cache.
  audio_chunks?: { made: number; reused: number };
  // Normalised films: the keys of the pieces in <cache>/segments/ it was joined from (cache gc keeps them).
  pieces?: string[];
}

// Covers the ordered clips, their trims and transitions, and every stitch setting.
export function filmKey(
  clips: Array<Pick<StitchClip, "key" | "trim" | "transition">>,
  render: Storyboard["render"],
  sound?: Record<string, unknown>,
): string {
  return sha256(
    canonicalJson({
      film_format: FILM_FORMAT,
      clips: clips.map((c) => ({ key: c.key, trim: c.trim ?? null, transition: c.transition })),
      settings: {
        resolution: render.resolution ?? null,
        fps: render.fps ?? null,
        loudness: render.loudness ?? null,
      },
      // Films without voice-overs, music or burned captions keep the keys they always had.
      ...(sound && { sound }),
    }),
  );
}

export async function isUpToDate(output: string, key: string): Promise<FilmRecord | undefined> {
  const film = await existingFilm(output);
  return film?.key === key ? film : undefined;
}

// The film at `output` as its record describes it, if it is still there with the recorded size.
export async function existingFilm(output: string): Promise<FilmRecord | undefined> {
  const record = await readJson<FilmRecord>(filmFiles(output).record);
  if (!record) return undefined;
  const info = await statIfExists(output);
  return info?.size === record.bytes ? { ...record, output } : undefined;
}

// Atomic, not flushed: on ext4 the record's fsync flushed the film just renamed beside it (120 ms of a 2.9 s
// re-stitch, 85 MB). After a power cut, a record whose size the film does not match makes the next render
// stitch again, from the cached pieces.
export async function writeRecord(record: FilmRecord): Promise<void> {
  await writeJsonChecked(filmFiles(record.output).record, record, { durable: false });
}

// A film with a bed or a voice-over is mixed to this integrated loudness unless render.loudness says otherwise.
export const SOUND_LOUDNESS = -16;

export function hasSound(board: Storyboard): boolean {
  return board.music !== undefined || board.shots.some((s) => s.voiceover);
}

// The render settings the film is made with: loudness defaults to -16 LUFS once there is a mix to balance, and
// the film's size follows the highest upscale asked (shots not upscaled are scaled to it when joined).
export function filmRender(board: Storyboard): Storyboard["render"] {
  const loudness = board.render.loudness === undefined && hasSound(board) ? SOUND_LOUDNESS : undefined;
  const resolution = board.render.resolution ? undefined : upscaledFilmSize(board);
  if (loudness === undefined && !resolution) return board.render;
  return { ...board.render, ...(loudness !== undefined && { loudness }), ...(resolution && { resolution }) };
}
