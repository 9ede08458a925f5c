// `storyreel render <file...>`: plan, refuse over budget, generate missing clips, then report.
import path from "node:path";
import type { CliContext } from "../cli/context.js";
import { sweepOrphans } from "../cache/atomic.js";
import { cachePaths, readCacheIndex } from "../cache/layout.js";
import { InterruptedError, RunError, UsageError } from "../errors.js";
import { generateClips, type ClipOutcome } from "../generate/generate.js";
import { findMediaTools } from "../media/binaries.js";
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
import { parseRenderOptions, RENDER_USAGE, type RenderOptions } from "./render-options.js";

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_TIMEOUT_MINUTES = 30;

export async function renderCommand(argv: string[], ctx: CliContext): Promise<void> {
  const opts = parseRenderOptions(argv, ctx);
  if (opts === "help") return ctx.stdout(RENDER_USAGE);
  // Credentials and tools are checked before any work, so a missing key costs nothing.
  const fal = opts.provider === "fal" ? falSettings(ctx.env, opts.falProxy) : undefined;
  const boards = await prepareStoryboards(opts.files, ctx.cwd, opts.allowOutsideImages);
  if (opts.only) checkOnlyAcross(boards, opts.only);
  const tools = findMediaTools(ctx.env);
  const paths = cachePaths(opts.cacheDir);
  await sweepOrphans([paths.tmp, path.join(paths.dir, "clips"), path.join(paths.dir, "journal"), paths.dir]);
  const index = await readCacheIndex(opts.cacheDir);
  const plans = boards.map((b) => planRender(b, index, { provider: opts.provider, ...(opts.only && { only: opts.only }), ...(opts.out && { output: opts.out }) }));
  const budget = newSpending(plans);
  if (opts.maxCost !== undefined && budget.cost > opts.maxCost + 1e-9) {
    throw new UsageError(`this render would spend ${dollars(budget.cost)} on ${budget.clips} new clips, more than --max-cost ${dollars(opts.maxCost)}. Nothing was submitted. Run \`storyreel plan\` to see which shots are new.`);
  }
  const provider: ClipProvider = fal
    ? falProvider({ fal: makeFalClient(fal), uploads: new ImageUploads(makeFalClient(fal), paths.uploads, systemClock), pollMs: Number(ctx.env.STORYREEL_FAL_POLL_MS ?? 1000), resubmitUnconfirmed: opts.resubmitUnconfirmed })
    : previewProvider;
  if (!opts.json) ctx.stderr(`Rendering ${plans.map((p) => p.storyboard).join(", ")} with ${opts.provider}: ${budget.clips} clips to generate (${dollars(budget.cost)}), cache ${paths.dir}`);
  const sink = opts.json ? ndjsonProgress(ctx.stdout) : ctx.isTTY ? ttyProgress(ctx.stderrRaw, ctx.columns, budget) : plainProgress(ctx.stderr);
  const outcomes: ClipOutcome[] = [];
  const onInterrupt = () => ctx.stderr("Stopping: no new shots will be submitted; collecting the clips already paid for. Press Ctrl-C again to exit now (their request ids are journaled).");
  ctx.signal.addEventListener("abort", onInterrupt, { once: true });
  try {
    for (const [i, plan] of plans.entries()) {
      outcomes.push(...(await generateClips({ plan, storyboard: boards[i]!, provider, concurrency: concurrencyFor(opts, boards[i]!), onEvent: (e) => sink.event(e), context: contextFor(opts, boards[i]!, paths, tools, ctx) })));
    }
  } finally {
    ctx.signal.removeEventListener("abort", onInterrupt);
    sink.close();
  }
  finish(plans, outcomes, ctx, opts);
}

function finish(plans: Plan[], outcomes: ClipOutcome[], ctx: CliContext, opts: RenderOptions): void {
  const interrupted = ctx.signal.aborted;
  const summary = formatSummary(plans, outcomes, interrupted);
  if (opts.json) ctx.stdout(JSON.stringify({ type: "summary", lines: summary }));
  else ctx.stderr(summary.join("\n"));
  if (interrupted) throw new InterruptedError("storyreel: interrupted");
  const failed = outcomes.filter((o) => o.status === "failed");
  if (failed.length > 0) throw new RunError(`${failed.length} clip${failed.length > 1 ? "s" : ""} failed: ${failed.map((o) => o.shots[0]).join(", ")}`);
  const missing = plans.flatMap((p) => p.shots.filter((s) => s.status === "skipped").map((s) => `${p.storyboard}: ${s.id}`));
  if (missing.length > 0) throw new RunError(`the film needs clips that are not cached and were left out by --only: ${missing.join(", ")}. Render them too, or drop --only.`);
}

function contextFor(opts: RenderOptions, board: Storyboard, paths: ReturnType<typeof cachePaths>, tools: ReturnType<typeof findMediaTools>, ctx: CliContext) {
  const minutes = opts.timeoutMinutes ?? board.render.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES;
  return { paths, tools, clock: systemClock, stopSubmitting: ctx.signal, timeoutMs: minutes * 60_000 };
}

function concurrencyFor(opts: RenderOptions, board: Storyboard): number {
  return opts.concurrency ?? board.render.concurrency ?? DEFAULT_CONCURRENCY;
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
