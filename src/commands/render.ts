// `storyreel render <file...>`: plan, refuse over budget, generate missing clips, check them, stitch each film, report.
import path from "node:path";
import type { CliContext } from "../cli/context.js";
import { sweepOrphans } from "../cache/atomic.js";
import { cachePaths, readCacheIndex, type CachePaths } from "../cache/layout.js";
import { InterruptedError, RunError, UsageError } from "../errors.js";
import { generateClips, type ClipOutcome } from "../generate/generate.js";
import { findMediaTools, type MediaTools } from "../media/binaries.js";
import { roundCents } from "../models/input.js";
import { dollars } from "../plan/format.js";
import { planRender, type Plan } from "../plan/plan.js";
import { previousKeyMaterials } from "../plan/previous.js";
import { falSettings, type FalSettings } from "../providers/fal/settings.js";
import { previewProvider } from "../providers/preview.js";
import { systemClock, type ClipProvider } from "../providers/types.js";
import { ndjsonProgress, plainProgress, ttyProgress } from "../report/progress.js";
import { formatSummary } from "../report/summary.js";
import { writeReport } from "../report/write.js";
import type { StitchResult } from "../stitch/stitch.js";
import type { Storyboard } from "../storyboard/types.js";
import { checkOnly, prepareStoryboards } from "./prepare.js";
import { filmJobs, findBadClips, stitchAll, type FilmJob } from "./render-film.js";
import { parseRenderOptions, RENDER_USAGE, type RenderOptions } from "./render-options.js";

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_TIMEOUT_MINUTES = 30;

interface Run {
  opts: RenderOptions;
  ctx: CliContext;
  boards: Storyboard[];
  paths: CachePaths;
  tools: MediaTools;
  provider: () => Promise<ClipProvider>;
  phases: Record<string, number>;
  // What the latest generate phase planned and did, kept here so a failed run still gets its report.
  plans: Plan[];
  outcomes: ClipOutcome[];
}

export async function renderCommand(argv: string[], ctx: CliContext): Promise<void> {
  const started = Date.now();
  const opts = parseRenderOptions(argv, ctx);
  if (opts === "help") return ctx.stdout(RENDER_USAGE);
  // Credentials and tools are checked before any work, so a missing key costs nothing.
  const fal = opts.provider === "fal" && !opts.offline ? falSettings(ctx.env, opts.falProxy) : undefined;
  const boards = await prepareStoryboards(opts.files, ctx.cwd, opts.allowOutsideImages);
  if (opts.only) checkOnly(boards, opts.only);
  checkDistinctOutputs(boards, opts, ctx.cwd);
  const tools = findMediaTools(ctx.env);
  const paths = cachePaths(opts.cacheDir);
  await sweepOrphans([paths.tmp, path.join(paths.dir, "clips"), path.join(paths.dir, "journal"), paths.dir]);
  const provider = async () => (fal ? loadFalProvider(fal, paths, ctx, opts) : previewProvider);
  const run: Run = {
    opts,
    ctx,
    boards,
    paths,
    tools,
    provider,
    phases: { validate_ms: Date.now() - started },
    plans: [],
    outcomes: [],
  };
  let films: StitchResult[] = [];
  let failure: unknown;
  try {
    await generatePhase(run, true);
    const onRepaired = (shot: string) =>
      ctx.stderr(
        `${shot}: its cached clip was damaged; fetched it again from fal (the same bytes, nothing paid)`,
      );
    let jobs = await filmJobs(run.plans, boards, ctx.cwd);
    const bad = await findBadClips(jobs, paths, { repair: !opts.offline, onRepaired });
    if (bad.length > 0) {
      const list = bad.map((b) => `${b.shot} (${b.why})`).join(", ");
      if (opts.offline)
        throw new RunError(
          `cached clips are damaged or missing: ${list}. Run without --offline to generate them again.`,
        );
      ctx.stderr(`Damaged cached clips were removed and will be generated again: ${list}`);
      await generatePhase(run, false);
      jobs = await filmJobs(run.plans, boards, ctx.cwd);
    }
    films = await filmPhase(run, jobs);
  } catch (err) {
    failure = err;
  }
  // The report is written even when the run failed; if that fails too, the first error is the one to show.
  if (run.plans.length > 0) {
    try {
      await reportPhase(run, films, started);
    } catch (err) {
      if (failure === undefined) failure = err;
      else ctx.stderr(`(the report could not be written either: ${(err as Error).message})`);
    }
  }
  if (failure !== undefined) throw failure;
}

// Plan against the cache, enforce the budget, generate what is missing; throws if any clip failed.
async function generatePhase(run: Run, first: boolean): Promise<void> {
  const { opts, ctx, boards, paths } = run;
  const t0 = Date.now();
  const index = await readCacheIndex(paths.dir);
  const plans = await Promise.all(
    boards.map(async (b) => {
      const output = opts.out ?? b.output;
      const previous = await previousKeyMaterials(path.resolve(ctx.cwd, output), paths);
      return planRender(b, index, {
        provider: opts.provider,
        output,
        previous,
        ...(opts.only && { only: opts.only }),
      });
    }),
  );
  run.phases.plan_ms = Date.now() - t0;
  run.plans = plans;
  run.outcomes = [];
  const budget = newSpending(plans);
  if (opts.offline && budget.clips > 0) {
    const missing = plans.flatMap((p) => p.shots.filter((s) => s.status === "generate").map((s) => s.id));
    throw new RunError(
      `--offline: these shots have no cached clip: ${missing.join(", ")}. Run without --offline to generate them.`,
    );
  }
  if (opts.maxCost !== undefined && budget.cost > opts.maxCost + 1e-9) {
    throw new UsageError(
      `this render would spend ${dollars(budget.cost)} on ${budget.clips} new clips, more than --max-cost ${dollars(opts.maxCost)}. Nothing was submitted. Run \`storyreel plan\` to see which shots are new.`,
    );
  }
  if (budget.clips === 0 && first) return;
  const t1 = Date.now();
  if (!opts.json)
    ctx.stderr(
      `Rendering ${plans.map((p) => p.storyboard).join(", ")} with ${opts.provider}: ${budget.clips} clips to generate (${dollars(budget.cost)}), cache ${paths.dir}`,
    );
  const sink = opts.json
    ? ndjsonProgress(ctx.stdout)
    : ctx.isTTY
      ? ttyProgress(ctx.stderrRaw, ctx.columns, budget)
      : plainProgress(ctx.stderr);
  const outcomes = run.outcomes;
  const onInterrupt = () =>
    ctx.stderr(
      "Stopping: no new shots will be submitted; collecting the clips already paid for. Press Ctrl-C again to exit now (their request ids are journaled).",
    );
  ctx.signal.addEventListener("abort", onInterrupt, { once: true });
  const provider = await run.provider();
  try {
    for (const [i, plan] of plans.entries()) {
      const board = boards[i]!;
      const context = {
        paths,
        tools: run.tools,
        clock: systemClock,
        stopSubmitting: ctx.signal,
        timeoutMs: (opts.timeoutMinutes ?? board.render.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES) * 60_000,
      };
      const concurrency = opts.concurrency ?? board.render.concurrency ?? DEFAULT_CONCURRENCY;
      outcomes.push(
        ...(await generateClips({
          plan,
          storyboard: board,
          provider,
          concurrency,
          context,
          onEvent: (e) => sink.event(e),
        })),
      );
    }
  } finally {
    ctx.signal.removeEventListener("abort", onInterrupt);
    sink.close();
    run.phases.generate_ms = (run.phases.generate_ms ?? 0) + Date.now() - t1;
  }
  const summary = formatSummary(plans, outcomes, ctx.signal.aborted);
  if (opts.json) ctx.stdout(JSON.stringify({ type: "summary", lines: summary }));
  else ctx.stderr(summary.join("\n"));
  if (ctx.signal.aborted) throw new InterruptedError("storyreel: interrupted");
  const failed = outcomes.filter((o) => o.status === "failed");
  if (failed.length > 0)
    throw new RunError(
      `${failed.length} clip${failed.length > 1 ? "s" : ""} failed (${failed.map((o) => o.shots[0]).join(", ")}), so no film was made`,
    );
}

async function filmPhase(run: Run, jobs: FilmJob[]): Promise<StitchResult[]> {
  const { ctx, opts } = run;
  const missing = jobs.flatMap(({ plan: p }) =>
    p.shots.filter((s) => s.status === "skipped").map((s) => `${p.storyboard}: ${s.id}`),
  );
  if (missing.length > 0)
    throw new RunError(
      `the film needs clips that are not cached and were left out by --only: ${missing.join(", ")}. Render them too, or drop --only.`,
    );
  const t0 = Date.now();
  let shown = -1;
  const progress = (film: string, percent: number) => {
    if (opts.json) return ctx.stdout(JSON.stringify({ type: "stitch", film, percent: Math.round(percent) }));
    const step = Math.floor(percent / (ctx.isTTY ? 1 : 25));
    if (step === shown) return;
    shown = step;
    if (ctx.isTTY) ctx.stderrRaw(`\r  stitching ${film}: ${Math.round(percent)}%\x1b[K`);
    else ctx.stderr(`stitching ${film}: ${Math.round(percent)}%`);
  };
  try {
    const films = await stitchAll(jobs, run.paths, run.tools, ctx, progress);
    if (ctx.isTTY && shown >= 0) ctx.stderrRaw("\r\x1b[K");
    for (const f of films) {
      const where = shownPath(ctx.cwd, f.output);
      const line = f.upToDate
        ? `${where} is up to date (${f.clips.length} shots, ${f.duration.toFixed(1)} s)`
        : `${where}: ${f.duration.toFixed(1)} s, ${f.clips.length} shots (${f.mode === "copy" ? "joined by stream copy" : "normalised"})`;
      if (opts.json) ctx.stdout(JSON.stringify({ type: "film", ...f, output: where }));
      else ctx.stdout(line);
    }
    return films;
  } catch (err) {
    if (ctx.signal.aborted)
      throw new InterruptedError(
        "storyreel: interrupted while stitching; the film at the output path was left as it was",
      );
    throw err;
  } finally {
    run.phases.stitch_ms = Date.now() - t0;
  }
}

// Reports are written after every render that got as far as a plan, failed shots included.
async function reportPhase(run: Run, films: StitchResult[], started: number): Promise<void> {
  const t0 = Date.now();
  const outcomes = run.outcomes;
  for (const plan of run.plans) {
    const output = path.resolve(run.ctx.cwd, plan.output);
    const film = films.find((f) => f.output === output);
    const board = run.boards.find((b) => b.file === plan.storyboard)!;
    const phases = { ...run.phases, report_ms: Date.now() - t0, total_ms: Date.now() - started };
    const written = await writeReport({
      board,
      plan,
      outcomes,
      ...(film && { film }),
      output,
      paths: run.paths,
      tools: run.tools,
      phases,
      now: Date.now(),
    });
    if (run.opts.json)
      run.ctx.stdout(
        JSON.stringify({
          type: "report",
          json: shownPath(run.ctx.cwd, written.json),
          html: shownPath(run.ctx.cwd, written.html),
        }),
      );
    else
      run.ctx.stderr(`Report: ${shownPath(run.ctx.cwd, written.html)} (and ${path.basename(written.json)})`);
  }
}

// Loaded only when a clip must be generated, so plans and up-to-date renders skip @fal-ai/client entirely.
async function loadFalProvider(
  fal: FalSettings,
  paths: CachePaths,
  ctx: CliContext,
  opts: RenderOptions,
): Promise<ClipProvider> {
  const [{ makeFalClient }, { falProvider }, { ImageUploads }] = await Promise.all([
    import("../providers/fal/client.js"),
    import("../providers/fal/provider.js"),
    import("../providers/fal/uploads.js"),
  ]);
  const client = makeFalClient(fal);
  return falProvider({
    fal: client,
    uploads: new ImageUploads(client, paths.uploads, systemClock),
    pollMs: Number(ctx.env.STORYREEL_FAL_POLL_MS ?? 1000),
    resubmitUnconfirmed: opts.resubmitUnconfirmed,
  });
}

function shownPath(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith("..") ? rel : file;
}

// New spending across storyboards, counting a clip shared by two storyboards once.
function newSpending(plans: Plan[]): { cost: number; clips: number } {
  const keys = new Map<string, number>();
  for (const s of plans.flatMap((p) => p.shots)) if (s.status === "generate") keys.set(s.key, s.cost);
  return { cost: roundCents([...keys.values()].reduce((t, c) => t + c, 0)), clips: keys.size };
}

// Two storyboards writing one film would overwrite each other's work.
function checkDistinctOutputs(boards: Storyboard[], opts: RenderOptions, cwd: string): void {
  const seen = new Map<string, string>();
  for (const b of boards) {
    const out = path.resolve(cwd, opts.out ?? b.output);
    const other = seen.get(out);
    if (other)
      throw new UsageError(
        `${other} and ${b.file} would both write ${shownPath(cwd, out)}; give one of them a different \`output:\``,
      );
    seen.set(out, b.file);
  }
}
