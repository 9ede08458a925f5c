// Read storyboards and plan them: the one place plans are built, for `plan`, `render` and the library.
import path from "node:path";
import { type CacheIndex, cachePaths, readCacheIndex } from "../cache/layout.js";
import { clearSettledJournals } from "../cache/settled-journal.js";
import { StoryboardError, UsageError, type Problem } from "../errors.js";
import type { ProviderId } from "../plan/key.js";
import { planRender, type Plan, type PlanOptions } from "../plan/plan.js";
import { type Lockfile, lockPath, readLock } from "../project/lockfile.js";
import { readPreviousRender } from "./previous.js";
import { loadStoryboard, type ParseCache } from "../storyboard/load.js";
import { parseCache } from "../project/parse-cache.js";
import { closest } from "../util/suggest.js";
import { shotImages, type Storyboard } from "../storyboard/types.js";
import { validateStoryboard } from "../storyboard/validate.js";
import { filmFiles } from "../util/output-files.js";

export interface PlanRequest {
  files: string[];
  // Relative storyboard paths and outputs are resolved against this folder.
  cwd: string;
  provider: ProviderId;
  cacheDir: string;
  // Generate only these shots; the others must already be cached.
  only?: ReadonlySet<string>;
  // The film's path, overriding the storyboard's `output` (one storyboard only).
  out?: string;
  allowOutsideImages?: boolean;
  // A folder of the project's own model files (STORYREEL_MODELS), besides models/ beside each storyboard.
  modelsDir?: string;
  // Shots whose earlier submit got no answer are priced (and submitted) again.
  resubmitUnconfirmed?: boolean;
}

export interface PlannedFilm {
  board: Storyboard;
  plan: Plan;
  // The film's absolute path.
  output: string;
  // The committed lockfile beside the storyboard, when there is one.
  lock?: Lockfile;
  // What the plan was made from (the cache as it was, the options), so outcomes can settle its takes purely.
  from?: { index: CacheIndex; options: PlanOptions };
}

export interface Planned {
  request: PlanRequest;
  films: PlannedFilm[];
  phases: { validate_ms: number; plan_ms: number };
}

export async function planStoryboards(given: PlanRequest): Promise<Planned> {
  const t0 = Date.now();
  // ffmpeg's file lists resolve relative names against the list's own folder, so the cache is made absolute.
  const request = { ...given, cacheDir: path.resolve(given.cwd, given.cacheDir) };
  const boards = await loadStoryboards(
    request.files,
    request.cwd,
    request.allowOutsideImages ?? false,
    parseCache(request.cacheDir),
    request.modelsDir,
  );
  if (request.only) checkOnly(boards, request.only);
  const t1 = Date.now();
  const films = await planFilms(boards, request);
  if (request.only) checkOnlyInputs(films);
  return { request, films, phases: { validate_ms: t1 - t0, plan_ms: Date.now() - t1 } };
}

// Load and validate every storyboard, reporting every problem in every file before failing.
export async function loadStoryboards(
  files: string[],
  cwd: string,
  allowOutsideImages: boolean,
  cache?: ParseCache,
  modelsDir?: string,
): Promise<Storyboard[]> {
  const boards: Storyboard[] = [];
  const problems: Problem[] = [];
  for (const file of files) {
    try {
      const options = { allowOutsideImages, ...(modelsDir && { modelsDir: path.resolve(cwd, modelsDir) }) };
      boards.push(await validateStoryboard(await loadStoryboard(file, cwd, cache), options));
    } catch (err) {
      if (!(err instanceof StoryboardError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length > 0) throw new StoryboardError(problems);
  return boards;
}

// Plan each storyboard against the cache as it is now; the previous render's report explains what changed.
export async function planFilms(boards: Storyboard[], request: PlanRequest): Promise<PlannedFilm[]> {
  const index = await readCacheIndex(request.cacheDir);
  const paths = cachePaths(request.cacheDir);
  // A journal entry a kill left after its output was cached is over; it must not stay "in flight".
  await clearSettledJournals(paths, index.keys);
  return Promise.all(
    boards.map(async (board) => {
      const shown = request.out ?? board.output;
      const output = path.resolve(request.cwd, shown);
      const previous = await readPreviousRender(filmFiles(output).report, paths);
      const lock = await readLock(lockPath(board.path));
      const options: PlanOptions = {
        ...(lock && { lock }),
        provider: request.provider,
        output: shown,
        previous: previous.materials,
        previousStills: previous.stills,
        failedBefore: previous.failures,
        ...(request.resubmitUnconfirmed && { resubmitUnconfirmed: true }),
        ...(request.only && { only: request.only }),
      };
      const plan = planRender(board, index, options);
      return { board, plan, output, ...(lock && { lock }), from: { index, options } };
    }),
  );
}

// A shot --only names that continues another shot needs that shot's clip: refuse before spending when it is
// neither cached nor named too.
function checkOnlyInputs(films: PlannedFilm[]): void {
  const problems: string[] = [];
  for (const { board, plan } of films)
    for (const shot of board.shots) {
      const planned = plan.shots[shot.index]!;
      if (planned.status === "skipped" || planned.status === "cached") continue;
      for (const image of shotImages(shot)) {
        if (image?.kind !== "frame") continue;
        const source = plan.shots.find((s) => s.id === image.from);
        if (source?.status === "skipped")
          problems.push(
            `${shot.id} needs the ${image.frame} frame of ${image.from}, which has no cached clip`,
          );
      }
    }
  if (problems.length)
    throw new UsageError(`--only: ${problems.join("; ")}. Add those shots to --only, or render them first.`);
}

// --only names shots; a typo must not silently generate nothing. Each id must exist in some storyboard.
function checkOnly(boards: Storyboard[], only: ReadonlySet<string>): void {
  const ids = [...new Set(boards.flatMap((b) => b.shots.map((s) => s.id)))];
  const unknown = [...only].filter((id) => !ids.includes(id));
  if (unknown.length === 0) return;
  const hints = unknown.map(
    (id) => `"${id}"${closest(id, ids) ? ` (did you mean "${closest(id, ids)}"?)` : ""}`,
  );
  const where = boards.length === 1 ? `${boards[0]!.file} does not have` : "no storyboard has";
  throw new UsageError(
    `--only names shots that ${where}: ${hints.join(", ")}; the shots are: ${ids.join(", ")}`,
  );
}

// What the cache holds changed under the plan: outputs fetched or made (`made`), damaged ones removed (`gone`).
// The plan settles from what it was made from and those keys, with the pure planner: nothing is read again.
export function settlePlan(
  film: PlannedFilm,
  made: ReadonlySet<string>,
  gone: ReadonlySet<string> = new Set(),
): PlannedFilm {
  if (!film.from) throw new Error("bug: a plan settles only from what it was made from");
  const { index, options } = film.from;
  const now: CacheIndex = {
    has: (key) => made.has(key) || (!gone.has(key) && index.has(key)),
    journal: (key) => (made.has(key) ? undefined : index.journal?.(key)),
  };
  return { ...film, plan: planRender(film.board, now, options), from: { index: now, options } };
}
