// `storyreel render <file...>`: plan, refuse over budget, generate missing clips, check them, stitch each film.
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
import { falSettings, makeFalClient } from "../providers/fal/client.js";
import { falProvider } from "../providers/fal/provider.js";
import { ImageUploads } from "../providers/fal/uploads.js";
import { previewProvider } from "../providers/preview.js";
import { systemClock, type ClipProvider } from "../providers/types.js";
import { ndjsonProgress, plainProgress, ttyProgress } from "../report/progress.js";
import { formatSummary } from "../report/summary.js";
import { closest } from "../storyboard/suggest.js";
import type { Storyboard } from "../storyboard/types.js";
import { prepareStoryboards } from "./prepare.js";
import { findBadClips, stitchAll, type FilmJob } from "./render-film.js";
import { parseRenderOptions, RENDER_USAGE, type RenderOptions } from "./render-options.js";

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_TIMEOUT_MINUTES = 30;

interface Run {
  opts: RenderOptions;
  ctx: CliContext;
  boards: Storyboard[];
  paths: CachePaths;
  tools: MediaTools;
  provider: () => ClipProvider;
}

export async function renderCommand(argv: string[], ctx: CliContext): Promise<void> {
  const opts = parseRenderOptions(argv, ctx);
  if (opts === "help") return ctx.stdout(RENDER_USAGE);
  // Credentials and tools are checked before any work, so a missing key costs nothing.
  const fal = opts.provider === "fal" && !opts.offline ? falSettings(ctx.env, opts.falProxy) : undefined;
  const boards = await prepareStoryboards(opts.files, ctx.cwd, opts.allowOutsideImages);
  if (opts.only) checkOnlyAcross(boards, opts.only);
  const tools = findMediaTools(ctx.env);
  const paths = cachePaths(opts.cacheDir);
  await sweepOrphans([paths.tmp, path.join(paths.dir, "clips"), path.join(paths.dir, "journal"), paths.dir]);
  const provider = () => (fal ? falProvider({ fal: makeFalClient(fal), uploads: new ImageUploads(makeFalClient(fal), paths.uploads, systemClock), pollMs: Number(ctx.env.STORYREEL_FAL_POLL_MS ?? 1000), resubmitUnconfirmed: opts.resubmitUnconfirmed }) : previewProvider);
  const run: Run = { opts, ctx, boards, paths, tools, provider };
  let plans = await generatePhase(run, true);
  const bad = await findBadClips(jobsOf(run, plans), paths, ctx.cwd);
  if (bad.length > 0) {
    const list = bad.map((b) => `${b.shot} (${b.why})`).join(", ");
    if (opts.offline) throw new RunError(`cached clips are damaged or missing: ${list}. Run without --offline to generate them again.`);
    ctx.stderr(`Damaged cached clips were removed and will be generated again: ${list}`);
    plans = await generatePhase(run, false);
  }
  await filmPhase(run, plans);
}

// Plan against the cache, enforce the budget, generate what is missing; throws if any clip failed.
async function generatePhase(run: Run, first: boolean): Promise<Plan[]> {
  const { opts, ctx, boards, paths } = run;
  const index = await readCacheIndex(paths.dir);
  const plans = boards.map((b) => planRender(b, index, { provider: opts.provider, ...(opts.only && { only: opts.only }), ...(opts.out && { output: opts.out }) }));
  const budget = newSpending(plans);
  if (opts.offline && budget.clips > 0) {
    const missing = plans.flatMap((p) => p.shots.filter((s) => s.status === "generate").map((s) => s.id));
    throw new RunError(`--offline: these shots have no cached clip: ${missing.join(", ")}. Run without --offline to generate them.`);
  }
  if (opts.maxCost !== undefined && budget.cost > opts.maxCost + 1e-9) {
    throw new UsageError(`this render would spend ${dollars(budget.cost)} on ${budget.clips} new clips, more than --max-cost ${dollars(opts.maxCost)}. Nothing was submitted. Run \`storyreel plan\` to see which shots are new.`);
  }
  if (budget.clips === 0 && first) return plans;
  if (!opts.json) ctx.stderr(`Rendering ${plans.map((p) => p.storyboard).join(", ")} with ${opts.provider}: ${budget.clips} clips to generate (${dollars(budget.cost)}), cache ${paths.dir}`);
  const sink = opts.json ? ndjsonProgress(ctx.stdout) : ctx.isTTY ? ttyProgress(ctx.stderrRaw, ctx.columns, budget) : plainProgress(ctx.stderr);
  const outcomes: ClipOutcome[] = [];
  const onInterrupt = () => ctx.stderr("Stopping: no new shots will be submitted; collecting the clips already paid for. Press Ctrl-C again to exit now (their request ids are journaled).");
  ctx.signal.addEventListener("abort", onInterrupt, { once: true });
  const provider = run.provider();
  try {
    for (const [i, plan] of plans.entries()) {
      const board = boards[i]!;
      const context = { paths, tools: run.tools, clock: systemClock, stopSubmitting: ctx.signal, timeoutMs: (opts.timeoutMinutes ?? board.render.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES) * 60_000 };
      const concurrency = opts.concurrency ?? board.render.concurrency ?? DEFAULT_CONCURRENCY;
      outcomes.push(...(await generateClips({ plan, storyboard: board, provider, concurrency, context, onEvent: (e) => sink.event(e) })));
    }
  } finally {
    ctx.signal.removeEventListener("abort", onInterrupt);
    sink.close();
  }
  const summary = formatSummary(plans, outcomes, ctx.signal.aborted);
  if (opts.json) ctx.stdout(JSON.stringify({ type: "summary", lines: summary }));
  else ctx.stderr(summary.join("\n"));
  if (ctx.signal.aborted) throw new InterruptedError("storyreel: interrupted");
  const failed = outcomes.filter((o) => o.status === "failed");
  if (failed.length > 0) throw new RunError(`${failed.length} clip${failed.length > 1 ? "s" : ""} failed (${failed.map((o) => o.shots[0]).join(", ")}), so no film was made`);
  return plans;
}

async function filmPhase(run: Run, plans: Plan[]): Promise<void> {
  const { ctx, opts } = run;
  const missing = plans.flatMap((p) => p.shots.filter((s) => s.status === "skipped").map((s) => `${p.storyboard}: ${s.id}`));
  if (missing.length > 0) throw new RunError(`the film needs clips that are not cached and were left out by --only: ${missing.join(", ")}. Render them too, or drop --only.`);
  let shown = -1;
  const progress = (film: string, percent: number) => {
    const step = Math.floor(percent / (ctx.isTTY ? 1 : 25));
    if (step === shown || opts.json) return opts.json && ctx.stdout(JSON.stringify({ type: "stitch", film, percent: Math.round(percent) }));
    shown = step;
    if (ctx.isTTY) ctx.stderrRaw(`\r  stitching ${film}: ${Math.round(percent)}%\x1b[K`);
    else ctx.stderr(`stitching ${film}: ${Math.round(percent)}%`);
  };
  try {
    const films = await stitchAll(jobsOf(run, plans), run.paths, run.tools, ctx, progress);
    if (ctx.isTTY && shown >= 0) ctx.stderrRaw("\r\x1b[K");
    for (const f of films) {
      const rel = path.relative(ctx.cwd, f.output);
      const where = rel && !rel.startsWith("..") ? rel : f.output;
      const line = f.upToDate ? `${where} is up to date (${f.clips.length} shots, ${f.duration.toFixed(1)} s)` : `${where}: ${f.duration.toFixed(1)} s, ${f.clips.length} shots (${f.mode === "copy" ? "joined by stream copy" : "normalised"})`;
      if (opts.json) ctx.stdout(JSON.stringify({ type: "film", ...f, output: where }));
      else ctx.stdout(line);
    }
  } catch (err) {
    if (ctx.signal.aborted) throw new InterruptedError("storyreel: interrupted while stitching; the film at the output path was left as it was");
    throw err;
  }
}

function jobsOf(run: Run, plans: Plan[]): FilmJob[] {
  return plans.map((plan, i) => ({ plan, board: run.boards[i]! }));
}

// New spending across storyboards, counting a clip shared by two storyboards once.
function newSpending(plans: Plan[]): { cost: number; clips: number } {
  const keys = new Map<string, number>();
  for (const s of plans.flatMap((p) => p.shots)) if (s.status === "generate") keys.set(s.key, s.cost);
  return { cost: roundCents([...keys.values()].reduce((t, c) => t + c, 0)), clips: keys.size };
}

function checkOnlyAcross(boards: Storyboard[], only: Set<string>): void {
  const ids = [...new Set(boards.flatMap((b) => b.shots.map((s) => s.id)))];
  const unknown = [...only].filter((id) => !ids.includes(id));
  if (unknown.length === 0) return;
  const hints = unknown.map((id) => `"${id}"${closest(id, ids) ? ` (did you mean "${closest(id, ids)}"?)` : ""}`);
  throw new UsageError(`--only names shots that no storyboard has: ${hints.join(", ")}; the shots are: ${ids.join(", ")}`);
}
