// Before anything is priced or paid, for the films a render will make: captions to burn need libass, a music
// file must really hold audio ffmpeg can read, and cached voice-overs and beds must still be the bytes paid for.
import { UsageError } from "../errors.js";
import { detectCapabilities } from "../media/capabilities.js";
import { ffprobeMedia } from "../media/probe.js";
import { FfmpegError } from "../media/run.js";
import { burnUnavailable } from "../stitch/stitch.js";
import { hasSound } from "../stitch/film.js";
import type { RenderContext } from "./context.js";
import { repairOutput } from "./repair-output.js";
import { filmJobs } from "./films.js";
import type { PlannedFilm } from "./plans.js";
import { storedAs } from "../steps/registry.js";

// The outputs of the films with sound or captions that are not up to date: only those are checked (an
// up-to-date render starts no ffmpeg, and a film without sound costs nothing here).
export async function staleFilms(films: PlannedFilm[], ctx: RenderContext): Promise<Set<string>> {
  const sounding = films.filter((f) => hasSound(f.board) || f.board.render.captions === "burn");
  if (sounding.length === 0) return new Set();
  const jobs = await filmJobs(sounding, ctx);
  return new Set(jobs.filter((j) => !j.current).map((j) => j.film.output));
}

export async function checkSoundInputs(
  films: PlannedFilm[],
  stale: Set<string>,
  ctx: RenderContext,
): Promise<void> {
  const making = films.filter((f) => stale.has(f.output));
  const burns = making.some(
    (f) => f.board.render.captions === "burn" && f.board.shots.some((s) => s.caption),
  );
  if (burns && !(await detectCapabilities(ctx.tools.ffmpeg)).subtitles)
    throw new UsageError(`${burnUnavailable(ctx.tools.ffmpeg)} Nothing was generated.`);
  const problems: string[] = [];
  for (const { board } of making) {
    if (board.music?.source.kind !== "file") continue;
    const file = board.music.source.file;
    const why = await unreadableAudio(file.path, ctx);
    if (why) problems.push(`${board.file}: music.file ${file.source} ${why}`);
  }
  if (problems.length > 0)
    throw new UsageError(`${problems.join("; ")}. Use another file. Nothing was generated.`);
}

async function unreadableAudio(file: string, ctx: RenderContext): Promise<string | undefined> {
  try {
    const media = await ffprobeMedia(ctx.tools.ffprobe, file);
    if (!media.audio) return "has no audio stream";
    if (!(media.duration > 0)) return "has no audio in it (it lasts 0 s)";
    return undefined;
  } catch (err) {
    if (err instanceof FfmpegError) return "is not audio ffmpeg can read";
    throw err;
  }
}

// Cached voice-overs and beds of the films to be made, checked by their sha256 before anything is priced. A paid
// one whose bytes went bad is fetched again from fal (free); otherwise it is removed, to be planned and made
// again (priced, within --max-cost). Offline nothing is fetched or removed. Returns the keys removed.
export async function checkCachedSounds(
  films: PlannedFilm[],
  stale: Set<string>,
  ctx: RenderContext,
): Promise<string[]> {
  const removed: string[] = [];
  for (const film of films.filter((f) => stale.has(f.output)))
    for (const step of film.plan.steps.filter((s) => storedAs(s, "sound") && s.status === "cached"))
      if (await repairOutput(ctx, "sound", step, "audio")) removed.push(step.key);
  return removed;
}
