// After the clips: stitch each storyboard's film, or say it is up to date.
import { outputFile, readSidecar } from "../cache/artifacts/index.js";
import { InterruptedError, RunError } from "../errors.js";
import { detectCapabilities } from "../media/capabilities.js";
import { probeMedia } from "../media/probe.js";
import { filmKey, filmRender, isUpToDate, type FilmRecord } from "../stitch/film.js";
import type { StitchClip } from "../stitch/profile.js";
import { stitchFilm, type StitchResult } from "../stitch/stitch.js";
import type { RenderContext } from "./context.js";
import type { PlannedFilm } from "./plans.js";
import { filmClipKey } from "../plan/plan.js";
import { labelOf } from "../steps/registry.js";
import { missingShots, standIn, standInKey } from "./stand-ins.js";
import { filmSound, filmSoundKey, writeCaptionFiles } from "./film-sound.js";
import { captionCues } from "../stitch/captions.js";
import { frameTiming, targetProfile } from "../stitch/profile.js";
import { voiceOverruns } from "../stitch/sound-graph.js";

export interface FilmJob {
  film: PlannedFilm;
  // The film key comes from the storyboard alone, so an up-to-date film needs no probing, hashing or ffmpeg.
  key: string;
  current?: FilmRecord;
  // With --allow-missing, the keys of shots without a usable clip: slates stand in for them.
  missing: Set<string>;
}

// Each storyboard's film, with its key and its record when the film on disk is already current.
// With --allow-missing, the shots without a clip count as their slates in the film's key.
export async function filmJobs(films: PlannedFilm[], ctx: RenderContext): Promise<FilmJob[]> {
  return Promise.all(
    films.map(async (film) => {
      const missing = ctx.options.allowMissing ? await missingShots(film.plan.shots, ctx) : new Set<string>();
      const key = filmKey(clipShapes(film, missing), filmRender(film.board), filmSoundKey(film));
      const found = await isUpToDate(film.output, key);
      // A record from before captions existed has no timing to write them from: the film is joined again.
      const current = found?.timing || !film.board.shots.some((s) => s.caption) ? found : undefined;
      return { film, key, missing, ...(current && { current }) };
    }),
  );
}

// Each film made is added to `results` as soon as it exists, so a failure in a later film does not hide it.
export async function stitchFilms(
  jobs: FilmJob[],
  ctx: RenderContext,
  results: StitchResult[] = [],
): Promise<StitchResult[]> {
  // What --only left out of the film: a shot's clip, or a pass that finishes it. A shot whose finished clip is
  // cached misses nothing (its clip and earlier passes are not needed).
  const missing = jobs.flatMap(({ film: { plan } }) =>
    plan.shots
      .filter((s) => !finishedCached(plan, s))
      .flatMap((s) => [
        ...(s.status === "skipped" ? [s.id] : []),
        ...plan.steps
          .filter((p) => s.passes?.includes(p.id) && p.status === "skipped")
          .map((p) => labelOf(p)),
      ])
      .map((what) => `${plan.storyboard}: ${what}`),
  );
  if (missing.length > 0 && !ctx.options.allowMissing) {
    throw new RunError(
      `the film needs clips that are not cached and were left out by --only: ${missing.join(", ")}. Render them too, or drop --only.`,
    );
  }
  try {
    for (const job of jobs) {
      // The record keeps the path it was written at; the project folder may have moved since.
      const film: StitchResult = job.current
        ? { ...job.current, output: job.film.output, upToDate: true }
        : await stitch(job, ctx);
      const captions = await writeCaptionFiles(job.film.board, film);
      if (captions.length > 0) film.captions = captions;
      results.push(film);
      ctx.emit({ type: "film", film, output: ctx.shown(film.output) });
    }
  } catch (err) {
    if (ctx.signal.aborted)
      throw new InterruptedError(
        "storyreel: interrupted while stitching; the film at the output path was left as it was",
      );
    throw err;
  }
  return results;
}

function finishedCached(plan: PlannedFilm["plan"], shot: PlannedFilm["plan"]["shots"][number]): boolean {
  const last = shot.passes?.at(-1);
  return last !== undefined && plan.steps.find((s) => s.id === last)?.status === "cached";
}

async function stitch(job: FilmJob, ctx: RenderContext): Promise<StitchResult> {
  const { plan, board, output } = job.film;
  const clips = await stitchClips(job, ctx);
  const render = filmRender(board);
  const sound = await filmSound(job.film, ctx);
  const fps = targetProfile(clips, render).fps;
  const overruns = sound ? voiceOverruns(sound, frameTiming(clips, fps), fps) : [];
  if (overruns.length > 0) throw new RunError(`${board.file}: ${overruns.join("\n")}`);
  const burn = board.render.captions === "burn" && board.shots.some((s) => s.caption);
  const options = {
    clips,
    render,
    ...(sound && { sound }),
    ...(burn && { burn: (starts: number[], total: number) => captionCues(board.shots, starts, total) }),
    output,
    tmpDir: ctx.paths.tmp,
    segmentDir: ctx.paths.segments,
    tools: ctx.tools,
    capabilities: () => detectCapabilities(ctx.tools.ffmpeg),
    onProgress: (percent: number) => ctx.emit({ type: "stitch", film: plan.output, percent }),
    signal: ctx.signal,
  };
  return { ...(await stitchFilm(options, job.key, () => ctx.clock.now())), upToDate: false };
}

function clipShapes(
  { plan, board }: PlannedFilm,
  missing = new Set<string>(),
): Array<Pick<StitchClip, "key" | "trim" | "transition">> {
  return plan.shots.map((s) => {
    const shot = board.shots[s.index]!;
    const key = missing.has(filmClipKey(s)) ? standInKey(shot) : filmClipKey(s);
    return { key, transition: shot.transition, ...(shot.trim && { trim: shot.trim }) };
  });
}

async function stitchClips({ film, missing }: FilmJob, ctx: RenderContext): Promise<StitchClip[]> {
  const shapes = clipShapes(film, missing);
  return Promise.all(
    film.plan.shots.map(async (s, i) => {
      const key = filmClipKey(s);
      if (missing.has(key))
        return { shot: s.id, ...shapes[i]!, ...(await standIn(film.board.shots[s.index]!, ctx)) };
      const sidecar = await readSidecar(ctx.paths, "clip", key);
      const file = outputFile(ctx.paths, "clip", key);
      const media = sidecar?.media ?? (await probeMedia(ctx.tools.ffprobe, file));
      return { shot: s.id, file, media, ...shapes[i]! };
    }),
  );
}
