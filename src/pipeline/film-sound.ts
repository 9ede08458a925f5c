// A film's sound and words as the stitch stage takes them: its key material, its voice-over and music files
// (from the cache, measured when they entered it), and its caption files beside the film.
import { readFile } from "node:fs/promises";
import { writeChecked } from "../cache/checked-write.js";
import { readSidecar, verified } from "../cache/artifacts/index.js";
import { RunError } from "../errors.js";
import { ffprobeMedia } from "../media/probe.js";
import type { PlannedStep } from "../plan/steps.js";
import { captionCues, toSrt, toVtt } from "../stitch/captions.js";
import { type FilmRecord, hasSound, writeRecord } from "../stitch/film.js";
import type { FilmSound } from "../stitch/sound-graph.js";
import type { Storyboard } from "../storyboard/types.js";
import type { RenderContext } from "./context.js";
import type { PlannedFilm } from "./plans.js";
import { ifMissing, removeIfExists } from "../util/fs.js";

const soundStep = (film: PlannedFilm, id: string): PlannedStep | undefined =>
  film.plan.steps.find((s) => s.id === id);

// What the film's key covers of its sound and words: each voice-over by its key and offset, the bed by its
// bytes or its step's key and its settings, and the captions only when they are burned into the picture.
export function filmSoundKey(film: PlannedFilm): Record<string, unknown> | undefined {
  const { board } = film;
  const burn = board.render.captions === "burn" && board.shots.some((s) => s.caption);
  if (!hasSound(board) && !burn) return undefined;
  const m = board.music;
  return {
    voices: board.shots
      .filter((s) => s.voiceover && !s.lipsync)
      // By position, not id: renaming a shot is free.
      .map((s) => ({
        clip: s.index,
        key: soundStep(film, `voice:${s.id}`)?.key,
        offset: s.voiceover!.offset,
      })),
    music: m
      ? {
          source:
            m.source.kind === "file"
              ? { sha256: m.source.file.sha256 }
              : { key: soundStep(film, "music:bed")?.key },
          volume_db: m.volumeDb,
          duck: m.duck,
          fade_in: m.fadeIn,
          fade_out: m.fadeOut,
        }
      : null,
    // 2: braces and backslashes are burned as written (before, braces became full-width forms).
    ...(burn && { burned_captions: board.shots.map((s) => s.caption ?? null), captions_format: 2 }),
  };
}

// The voice-overs and bed from the cache. One that is missing fails the film, naming it and why; with
// --allow-missing the film is made without it.
export async function filmSound(film: PlannedFilm, ctx: RenderContext): Promise<FilmSound | undefined> {
  const { board } = film;
  if (!hasSound(board)) return undefined;
  const missing: string[] = [];
  const made = async (id: string, what: string) => {
    const step = soundStep(film, id);
    const good = step && (await verified(ctx.paths, "sound", step.key));
    if (good?.ok) return { file: good.file, duration: good.sidecar.duration };
    const outcome = ctx.steps.find((s) => s.id === id);
    const why =
      step?.status === "skipped"
        ? "left out by --only"
        : step && (await readSidecar(ctx.paths, "sound", step.key))
          ? "its cached audio is damaged"
          : (outcome?.error?.split("\n")[0] ?? "not made");
    missing.push(`${what} (${why})`);
    return undefined;
  };
  const voices: FilmSound["voices"] = [];
  // A lip-synced shot's voice-over is its clip's own sound: placed again, it would be heard twice. It still
  // ducks the bed, as the clips' sound does.
  for (const shot of board.shots.filter((s) => s.voiceover && !s.lipsync)) {
    const file = await made(`voice:${shot.id}`, `the voice-over of ${shot.id}`);
    const clip = film.plan.shots.findIndex((s) => s.id === shot.id);
    if (file) voices.push({ ...file, clip, offset: shot.voiceover!.offset, shot: shot.id });
  }
  const m = board.music;
  let music: FilmSound["music"];
  if (m) {
    const bed = m.source.kind === "file" ? undefined : await made("music:bed", "the music bed");
    const file = m.source.kind === "file" ? m.source.file.path : bed?.file;
    // A file's length is read now (the film is being made, so ffprobe may run); a generated bed's was measured.
    const seconds = bed?.duration ?? (file && (await ffprobeMedia(ctx.tools.ffprobe, file)).duration);
    if (file)
      music = {
        file,
        volumeDb: m.volumeDb,
        duck: m.duck,
        fadeIn: m.fadeIn,
        fadeOut: m.fadeOut,
        ...(seconds && { seconds }),
      };
  }
  if (missing.length > 0 && ctx.options.allowMissing)
    ctx.emit({
      type: "notice",
      text: `${board.file}: the film is made without ${missing.join("; ")} (--allow-missing)`,
    });
  else if (missing.length > 0)
    throw new RunError(`${board.file}: ${missing.join("; ")}, so no film was made. Render again to make it.`);
  return { voices, ...(music && { music }) };
}

// <film>.srt and <film>.vtt, from the film's record of where each clip starts; rewritten only when changed.
// The record remembers them, so when the storyboard drops its captions, the files it wrote go too.
export async function writeCaptionFiles(board: Storyboard, record: FilmRecord): Promise<string[]> {
  const base = record.output.replace(/\.mp4$/i, "");
  if (!record.timing || !board.shots.some((s) => s.caption)) {
    if (record.captions?.length) {
      for (const file of record.captions) await removeIfExists(file);
      const { captions: _, ...rest } = record;
      await writeRecord(rest as FilmRecord);
    }
    return [];
  }
  const { fps, starts, total_frames } = record.timing;
  const cues = captionCues(board.shots, starts, total_frames);
  const files: Array<[string, string]> = [
    [`${base}.srt`, toSrt(cues, fps)],
    [`${base}.vtt`, toVtt(cues, fps)],
  ];
  for (const [file, text] of files) {
    const now = await readFile(file, "utf8").catch(ifMissing(undefined));
    if (now !== text) await writeChecked(file, text);
  }
  const written = files.map(([f]) => f);
  if (JSON.stringify(record.captions) !== JSON.stringify(written))
    await writeRecord({ ...record, captions: written });
  return written;
}
