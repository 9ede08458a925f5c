// Render plans: generate the missing clips, check the cached ones, stitch each film, and always report.
import { loadPayloadChecks } from "../models/payload-check.js";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { shownPath } from "../paths.js";
import { sweepOrphans } from "../cache/atomic.js";
import { cachePaths } from "../cache/layout.js";
import { markRender } from "../cache/live-renders.js";
import { writeProblem } from "../cache/writable.js";
import { InterruptedError, RunError, UsageError } from "../errors.js";
import type { ClipOutcome } from "../steps/executor.js";
import type { RunOutcome } from "../report/report.js";
import type { StitchResult } from "../stitch/stitch.js";
import { checkCachedSounds, checkSoundInputs, staleFilms } from "./sound-preflight.js";
import { checkCachedStills } from "./still-preflight.js";
import { systemClock } from "../util/clock.js";
import { filmFiles } from "../util/output-files.js";
import {
  type DamagedClip,
  willGenerate,
  checkCachedClips,
  generateMissing,
  throwIfIncomplete,
} from "./clips.js";
import type { RenderContext, RenderDeps, RenderOptions } from "./context.js";
import type { EventSink } from "./events.js";
import { type FilmJob, filmJobs, stitchFilms } from "./films.js";
import { type Planned, settlePlan } from "./plans.js";
import { checkFrozen, checkLockedClips, writeLockfiles } from "./pinning.js";
import { keysUsed } from "./keys-used.js";
import { imagesToSend } from "./spending.js";
import { writeReports, type WrittenReport } from "./reports.js";
import { connectRemote, fetchMissing, openRemote, remoteNotices, uploadPending } from "./remote.js";

export interface RenderResult {
  films: StitchResult[];
  reports: WrittenReport[];
}

// Throws the run's first error (a refused budget, failed shots, an ffmpeg failure, an interrupt), but only
// after every storyboard's report has been written.
export async function renderPlans(
  planned: Planned,
  options: RenderOptions,
  deps: RenderDeps,
  emit: EventSink = () => undefined,
): Promise<RenderResult> {
  // While it runs, `cache gc` leaves alone what it uses and what it makes (see live-renders.ts).
  const paths = cachePaths(planned.request.cacheDir);
  const marker = await markRender(paths, await keysUsed(planned.films));
  try {
    return await renderMarked(planned, options, deps, emit);
  } finally {
    await marker.release();
  }
}

async function renderMarked(
  planned: Planned,
  options: RenderOptions,
  deps: RenderDeps,
  emit: EventSink,
): Promise<RenderResult> {
  const ctx = renderContext(planned, options, deps, emit);
  const started = ctx.clock.now() - planned.phases.validate_ms - planned.phases.plan_ms;
  checkDistinctOutputs(planned, ctx);
  // fetch's HTTP stack loads on first use (about 30 ms): a data: URL loads it, with no network, while the
  // checks below wait on the disk, not while the first submits go out (each is followed at once by its status
  // request, which goes through fetch; uploads and submits go through Node's http).
  const toFal =
    planned.request.provider === "fal" &&
    !options.offline &&
    willGenerate(planned.films, planned.request.resubmitUnconfirmed ?? false, options.maxCost);
  if (toFal) {
    void warmFetch();
    // The fal client loads while the checks below wait on the disk. A failure to load surfaces where the
    // provider is used; a refusal after this still pays nothing.
    ctx.provider().catch(() => undefined);
    // So do the payload checks (250 kB of code), which the first submit would otherwise wait for.
    loadPayloadChecks().catch(() => undefined);
  }
  const stale = await staleFilms(planned.films, ctx);
  await checkSoundInputs(planned.films, stale, ctx);
  for (const f of planned.films)
    for (const w of f.plan.warnings ?? []) emit({ type: "notice", text: `${f.board.file}: warning: ${w}` });
  if (options.frozen) await checkFrozen(planned.films, ctx, { outputs: !deps.remote });
  else await checkLockedClips(planned.films, ctx);
  const store = deps.remote && (await connectRemote(deps.remote));
  await checkWritable(planned, ctx);
  // The shots' images go up to fal's storage (free) while the rest of the look-up runs: after every check that
  // can refuse the render (nothing is uploaded for a refused one), and not with a remote cache, whose bucket
  // may hold every clip to make.
  if (toFal && !options.frozen && !deps.remote)
    ctx
      .provider()
      .then((p) => p.prefetch?.(imagesToSend(planned.films)))
      .catch(() => undefined);
  let films = planned.films;
  // What the look-up below changes in the cache (fetched, damaged ones removed, clips returned to their own
  // key): the plan settles to each change before anything is priced.
  const found = new Set<string>();
  const gone = new Set<string>();
  const moved = new Set<string>();
  if (deps.remote && store) {
    const remote = await openRemote(store, deps.remote, ctx.paths, ctx.clock, emit);
    ctx.remote = remote;
    await uploadPending(remote, emit);
    // What the bucket holds is fetched before the spending is planned, so it is neither priced nor paid.
    const pulled = await fetchMissing(films, remote, emit);
    for (const key of pulled.fetched) found.add(key);
    // What came from the bucket is cached now: --frozen then needs no still whose every shot is.
    if (found.size > 0) films = films.map((f) => settlePlan(f, found));
    // A locked output the bucket has but could not give is a failed run (exit 1), not a lock to fix (exit 2).
    if (options.frozen && pulled.failures.length > 0)
      throw new RunError(
        `--frozen: could not fetch ${pulled.failures.join(", ")} from ${remote.location}; run again`,
      );
    if (options.frozen) await checkFrozen(films, ctx);
  }
  const { paths } = ctx;
  // Temporary files of processes that died (kill -9) in the cache and beside every film.
  const besideFilms = planned.films.flatMap((f) => [path.dirname(f.output), filmFiles(f.output).posters]);
  const cacheDirs = [paths.tmp, path.join(paths.dir, "clips"), path.join(paths.dir, "journal"), paths.dir];
  await sweepOrphans([...new Set([...cacheDirs, paths.segments, ...besideFilms])]);
  const phases: Record<string, number> = { ...planned.phases };
  const timed = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
    const t0 = ctx.clock.now();
    try {
      return await work();
    } finally {
      phases[phase] = (phases[phase] ?? 0) + ctx.clock.now() - t0;
    }
  };
  // Generation time is recorded only for runs that generated something, as the report has always done.
  const generate = async () => {
    const t0 = ctx.clock.now();
    const done = await generateMissing(films, ctx);
    if (done.length > 0) phases.generate_ms = (phases.generate_ms ?? 0) + ctx.clock.now() - t0;
    return done;
  };
  let outcomes: ClipOutcome[] = [];
  const stitched: StitchResult[] = [];
  let failure: unknown;
  try {
    // The rest of the look-up: damaged voice-overs, beds and clips are fetched again (free) or removed.
    for (const key of await checkCachedSounds(films, stale, ctx)) gone.add(key);
    for (const key of await checkCachedStills(films, ctx)) gone.add(key);
    // The films' keys and whether each is up to date: kept for the stitch when nothing changes before it.
    let jobs = await filmJobs(films, ctx);
    for (const clip of await repairCachedClips(jobs, ctx)) {
      gone.add(clip.key);
      if (clip.movedTo) moved.add(clip.movedTo);
    }
    // The plan was made once, from the cache as it was read; it settles to what the repairs changed.
    if (moved.size + gone.size > 0) films = films.map((f) => settlePlan(f, moved, gone));
    outcomes = await generate();
    // With several takes, the film uses the first one that exists now: the executor's outcomes settle it.
    if (outcomes.length > 0) {
      const made = new Set(
        [...outcomes, ...ctx.steps]
          .filter((o) => o.status !== "failed" && o.status !== "skipped")
          .map((o) => o.key),
      );
      films = films.map((f) => (f.plan.shots.some((s) => s.takes) ? settlePlan(f, made) : f));
    }
    const used = new Set(films.flatMap((f) => f.plan.shots.map((t) => t.key)));
    throwIfIncomplete(
      outcomes.filter((o) => used.has(o.key)),
      ctx,
    );
    const changed =
      found.size + gone.size + moved.size + outcomes.length + ctx.steps.length + ctx.unusable.size > 0;
    if (changed) jobs = await filmJobs(films, ctx);
    await timed("stitch_ms", () => stitchFilms(jobs, ctx, stitched));
    // A take the film does not use failed (a retake, say): the film is made, and the run still says so.
    const takes = outcomes.filter((o) => o.status === "failed" && !used.has(o.key));
    if (takes.length > 0)
      throw new RunError(
        `${takes.map((o) => o.shots[0]).join(", ")} failed (${takes[0]!.error?.split("\n")[0]}); the film uses the takes that exist`,
      );
  } catch (err) {
    failure = err;
  }
  if (ctx.remote) remoteNotices(ctx.remote, emit);
  await ctx.posters;
  let reports: WrittenReport[] = [];
  // If the report fails too, the run's own error is the one to show.
  try {
    reports = await writeReports(films, outcomes, stitched, phases, started, runOutcome(failure), ctx);
  } catch (err) {
    if (failure === undefined) failure = err;
    else
      emit({ type: "notice", text: `(the report could not be written either: ${(err as Error).message})` });
  }
  // The lock records what exists after this render, failed shots included (as steps without an output). A render
  // refused before any work (exit 2: over budget, say) leaves it as it was.
  if (!options.frozen && !(failure instanceof UsageError))
    try {
      await writeLockfiles(
        films,
        stitched,
        ctx,
        outcomes.length > 0 || (ctx.remote?.fetched.length ?? 0) > 0,
      );
    } catch (err) {
      if (failure === undefined) failure = err;
    }
  if (failure !== undefined) throw failure;
  return { films: stitched, reports };
}

function renderContext(
  planned: Planned,
  options: RenderOptions,
  deps: RenderDeps,
  emit: EventSink,
): RenderContext {
  const cwd = planned.request.cwd;
  return {
    request: planned.request,
    options,
    tools: deps.tools,
    provider: once(deps.provider),
    signal: deps.signal ?? new AbortController().signal,
    clock: deps.clock ?? systemClock,
    paths: cachePaths(planned.request.cacheDir),
    run: randomUUID(),
    emit,
    unusable: new Set(),
    steps: [],
    shown: (file) => shownPath(cwd, file),
  };
}

// Cached clips the films use, checked before anything is priced: a damaged one is fetched again (free), or
// removed to be made again; --frozen and --offline say so instead (offline, slates may stand in).
async function repairCachedClips(jobs: FilmJob[], ctx: RenderContext): Promise<DamagedClip[]> {
  const damaged = await checkCachedClips(jobs, ctx);
  if (damaged.length === 0) return [];
  const list = damaged.map((b) => `${b.shot} (${b.why})`).join(", ");
  const { options, emit } = ctx;
  if (options.frozen)
    throw new RunError(
      `--frozen: cached clips are damaged or missing: ${list}. \`storyreel cache verify --repair\` fetches paid ones again (free while fal still serves them).`,
    );
  if (options.offline && !options.allowMissing)
    throw new RunError(
      `cached clips are damaged or missing: ${list}. Run without --offline to fetch them again (free while fal still serves them) or generate them.`,
    );
  if (options.offline) {
    emit({ type: "notice", text: `Damaged cached clips stand in as slates (--offline): ${list}` });
    return [];
  }
  emit({ type: "notice", text: `Damaged cached clips were removed and will be generated again: ${list}` });
  return damaged;
}

// How the run ended, for the report: a refusal or an interrupt spent nothing new, and the report says so.
function runOutcome(failure: unknown): RunOutcome {
  if (failure === undefined) return { status: "ok" };
  const message = failure instanceof Error ? failure.message : String(failure);
  if (failure instanceof InterruptedError) return { status: "interrupted", message };
  if (failure instanceof UsageError) return { status: "refused", message };
  return { status: "failed", message };
}

// A read-only or full cache or output folder is found now, before anything is generated and paid for.
async function checkWritable(planned: Planned, ctx: RenderContext): Promise<void> {
  const dirs = [ctx.paths.dir, ...new Set(planned.films.map((f) => path.dirname(f.output)))];
  const problems = (await Promise.all(dirs.map(writeProblem))).filter((p) => p !== undefined);
  if (problems.length > 0)
    throw new UsageError(
      `${problems.join("; ")}. Nothing was generated. Choose another --cache-dir or output, or free some space.`,
    );
}

// Two storyboards writing one film would overwrite each other's work.
function checkDistinctOutputs(planned: Planned, ctx: RenderContext): void {
  const seen = new Map<string, string>();
  for (const { board, output } of planned.films) {
    const other = seen.get(output);
    if (other)
      throw new UsageError(
        `${other} and ${board.file} would both write ${ctx.shown(output)}; give one of them a different \`output:\``,
      );
    seen.set(output, board.file);
  }
}

// The provider is loaded once per render, whoever asks first.
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  // A loader that throws at once is a rejected promise like any other, cached like any other.
  return () => {
    loading ??= Promise.resolve().then(load);
    return loading;
  };
}

async function warmFetch(): Promise<void> {
  await (await fetch("data:,")).arrayBuffer();
}
