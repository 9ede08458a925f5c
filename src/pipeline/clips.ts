// The clips a render needs: refuse over budget, generate what is missing, and check what the cache holds.
import pLimit from "p-limit";
import {
  readSidecar,
  changedSinceSidecar,
  evict,
  returnToOwnKey,
  touchSidecar,
  verified,
} from "../cache/artifacts/index.js";
import { InterruptedError, RunError, UsageError } from "../errors.js";
import { runGraph, type ClipOutcome } from "../steps/executor.js";
import { isClipJob, type ShotStatus } from "../plan/plan.js";
import { refetch } from "../providers/refetch.js";
import { summaryCounts } from "../report/summary.js";
import { dollars, sumCosts } from "../util/money.js";
import { readLedger } from "../project/spend-ledger.js";
import { storyboardIdentity } from "../util/storyboard-id.js";
import { checkBudgets, spendGate } from "./budget.js";
import { newSpending, willGenerate } from "./spending.js";
import type { RenderContext } from "./context.js";
import type { FilmJob } from "./films.js";
import type { PlannedFilm } from "./plans.js";
import { count } from "../util/words.js";
import { readonlyPayNotice } from "./remote.js";
import { recordWaits } from "./fal-waits.js";
import { earlyPosters, type EarlyPosters } from "./early-posters.js";
import { isPass, labelOf, storedAs } from "../steps/registry.js";

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_TIMEOUT_MINUTES = 30;

// Generates every `generate` shot of the plans; returns what happened to each clip, failures included.
export async function generateMissing(films: PlannedFilm[], ctx: RenderContext): Promise<ClipOutcome[]> {
  const plans = films.map((f) => f.plan);
  const budget = newSpending(plans, ctx.request.resubmitUnconfirmed ?? false);
  // --offline --allow-missing: nothing is generated, and slates stand in for what is not cached.
  if (ctx.options.offline && ctx.options.allowMissing) return [];
  if (ctx.options.offline) {
    // Offline nothing is made: only the takes the films use must be there (other takes can wait).
    const missing = plans.flatMap((p) => p.shots.filter((s) => isClipJob(s.status)).map((s) => s.id));
    const sounds = plans.flatMap((p) =>
      p.steps.filter((s) => storedAs(s, "sound") && isClipJob(s.status as ShotStatus)),
    );
    const passes = plans.flatMap((p) =>
      p.steps.filter((s) => isPass(s) && isClipJob(s.status as ShotStatus)),
    );
    const lists = [
      missing.length && `these shots have no cached clip: ${missing.join(", ")}`,
      sounds.length && `these sounds are not cached: ${sounds.map((s) => s.id).join(", ")}`,
      passes.length && `these passes are not cached: ${passes.map((s) => labelOf(s)).join(", ")}`,
    ].filter(Boolean);
    if (lists.length === 0) return [];
    throw new RunError(`--offline: ${lists.join("; ")}. Run without --offline to generate them.`);
  }
  const { maxCost } = ctx.options;
  if (maxCost !== undefined && budget.cost > maxCost + 1e-9) {
    throw new UsageError(
      `this render would spend ${dollars(budget.cost)} on ${count(budget.clips - (budget.stills ?? 0) - (budget.sounds ?? 0) - (budget.passes ?? 0), "new clip")}${budget.stills ? ` and ${count(budget.stills, "new still")}` : ""}${budget.sounds ? ` and ${count(budget.sounds, "new sound")}` : ""}${budget.passes ? ` and ${count(budget.passes, "new pass", "new passes")}` : ""}, more than --max-cost ${dollars(maxCost)}. Nothing was submitted. Run \`storyreel plan\` to see which shots are new.`,
    );
  }
  const budgetLeft =
    ctx.request.provider === "fal" ? await checkBudgets(films, ctx) : new Map<string, number>();
  if (budget.clips === 0) return [];
  readonlyPayNotice(ctx.remote, budget.cost, ctx.emit);
  const storyboards = plans.map((p) => p.storyboard);
  ctx.emit({ type: "start", storyboards, provider: ctx.request.provider, ...budget, cache: ctx.paths.dir });
  const text =
    ctx.request.provider === "fal"
      ? "Stopping: no new shots will be submitted; collecting the clips already paid for. Press Ctrl-C again to exit now (their request ids are journaled)."
      : "Stopping: the previews being made are stopped (nothing is paid for); the next run makes them.";
  const onInterrupt = () => ctx.emit({ type: "notice", text });
  ctx.signal.addEventListener("abort", onInterrupt, { once: true });
  const outcomes: ClipOutcome[] = [];
  let posters: EarlyPosters | undefined;
  // Submits the plan did not price (fal lost a request) are paid only within what --max-cost leaves over.
  let unplanned = 0;
  // Unanswered submits found in fal's request listing, named at the end: "shot (request id)".
  const found: string[] = [];
  const unplannedBy = new Map<string, number>();
  // ... and within what each storyboard's render.budget leaves after the planned spending.
  const mayPayAgainFor = (board: string) => (cost: number) => {
    if (maxCost !== undefined && budget.cost + unplanned + cost > maxCost + 1e-9) return false;
    const left = budgetLeft.get(board);
    const spentHere = unplannedBy.get(board) ?? 0;
    if (left !== undefined && spentHere + cost > left + 1e-9) return false;
    unplanned += cost;
    unplannedBy.set(board, spentHere + cost);
    return true;
  };
  const notPaidFor = (board: string) => (cost: number) => {
    unplanned -= cost;
    unplannedBy.set(board, (unplannedBy.get(board) ?? 0) - cost);
  };
  try {
    const provider = await ctx.provider();
    // Made while fal works; the report makes any that are still missing.
    posters = earlyPosters(films, ctx.paths, ctx.tools);
    for (const { plan, board } of films) {
      const minutes = ctx.options.timeoutMinutes ?? board.render.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES;
      const id = storyboardIdentity(board.path);
      const store = ctx.remote && !ctx.remote.settings.readonly ? ctx.remote.settings.store : undefined;
      const context = {
        paths: ctx.paths,
        storyboard: id.path,
        repo: id.repo,
        ...(store && (await spendGate(board, ctx.paths, store, ctx.remote!.settings.claims))),
        run: ctx.run,
        tools: ctx.tools,
        clock: ctx.clock,
        stopSubmitting: ctx.signal,
        timeoutMs: minutes * 60_000,
        mayPayAgain: mayPayAgainFor(board.path),
        notPaid: notPaidFor(board.path),
        resubmitUnconfirmed: ctx.request.resubmitUnconfirmed ?? false,
      };
      const concurrency = ctx.options.concurrency ?? board.render.concurrency ?? DEFAULT_CONCURRENCY;
      outcomes.push(
        ...(await runGraph({
          plan,
          storyboard: board,
          provider,
          concurrency,
          context,
          onEvent: (e) => {
            if (e.found_by_listing) found.push(`${e.shot} (${e.request_id})`);
            if (e.state === "done") posters?.done(e.key);
            ctx.emit({ type: "shot", ...e });
          },
          onStep: (s) => ctx.steps.push(s),
          ...(ctx.remote && { remote: ctx.remote }),
        })),
      );
    }
    await recordWaits(provider, ctx.paths.dir, ctx.clock);
  } finally {
    // The last clips' posters are made while the film is stitched (the report waits for them).
    if (posters) ctx.posters = posters.settled();
    ctx.signal.removeEventListener("abort", onInterrupt);
  }
  if (found.length > 0)
    ctx.emit({
      type: "notice",
      text: `Found by listing fal's requests (their submits got no answer; nothing was paid again): ${found.join(", ")}.`,
    });
  const paid = new Set(
    (await readLedger(ctx.paths)).filter((r) => r.run === ctx.run).map((r) => r.request_id),
  );
  ctx.emit({ type: "summary", ...summaryCounts(plans, outcomes, ctx.signal.aborted, paid) });
  const stills = ctx.steps.filter((s) => storedAs(s, "still"));
  const frames = ctx.steps.filter((s) => storedAs(s, "frame") && s.status === "extracted").length;
  const sounds = ctx.steps.filter((s) => storedAs(s, "sound"));
  if (sounds.length > 0) {
    const made = sounds.filter((s) => s.status === "generated");
    const failed = sounds.filter((s) => s.status === "failed").length;
    ctx.emit({
      type: "notice",
      text: `Sound: ${made.length} made (${dollars(sumCosts(made.map((s) => s.cost ?? 0)))})${failed ? `, ${failed} failed` : ""}.`,
    });
  }
  const passes = ctx.steps.filter(isPass);
  if (passes.length > 0) {
    const made = passes.filter((s) => s.status === "generated");
    const failed = passes.filter((s) => s.status === "failed").length;
    ctx.emit({
      type: "notice",
      text: `Passes (lip-sync, upscale): ${made.length} made (${dollars(sumCosts(made.map((s) => s.cost ?? 0)))})${failed ? `, ${failed} failed` : ""}.`,
    });
  }
  if (stills.length + frames > 0) {
    const made = stills.filter((s) => s.status === "generated");
    const failed = stills.filter((s) => s.status === "failed").length;
    ctx.emit({
      type: "notice",
      text:
        `Stills: ${made.length} made (${dollars(sumCosts(made.map((s) => s.cost ?? 0)))}), ` +
        `${stills.filter((s) => s.status === "cached").length} reused from the cache` +
        `${failed ? `, ${failed} failed` : ""}; ${count(frames, "frame")} taken from clips.`,
    });
  }
  return outcomes;
}

// A film is made only from a complete set of clips.
export function throwIfIncomplete(outcomes: ClipOutcome[], ctx: RenderContext): void {
  if (ctx.signal.aborted) throw new InterruptedError("storyreel: interrupted");
  const failed = outcomes.filter((o) => o.status === "failed");
  // A pass that failed leaves its shot without the clip the film uses.
  const passes = ctx.steps.filter((s) => isPass(s) && s.status === "failed");
  // With --allow-missing, slates stand in for the failed shots; the summary has already named them.
  if (failed.length + passes.length === 0 || ctx.options.allowMissing) return;
  const names = [...failed.map((o) => o.shots[0]), ...passes.map((s) => labelOf(s))].join(", ");
  const what = failed.length ? count(failed.length, "clip") : count(passes.length, "pass", "passes");
  throw new RunError(
    `${failed.length && passes.length ? `${what} and ${count(passes.length, "pass", "passes")}` : what} failed (${names}), so no film was made`,
  );
}

export interface DamagedClip {
  shot: string;
  key: string;
  why: string;
  // Another key's clip found under this key went back to its own: that key is cached now.
  movedTo?: string;
}

// Cached clips that are missing, whose bytes no longer match their sidecar, or whose sidecar is another key's (a
// clip copied under this key). Each is fetched again from the provider's URL when that gives back the same bytes
// (free); otherwise it is evicted, to be generated again.
// Shots left out by --only are not looked at; an up-to-date film's clips only when changed since their sidecar.
export async function checkCachedClips(jobs: FilmJob[], ctx: RenderContext): Promise<DamagedClip[]> {
  const shots = (await Promise.all(jobs.map((job) => shotsToCheck(job, ctx)))).flat();
  const limit = pLimit(4);
  // A clip not written since its sidecar is trusted without reading it (its size is still checked): hashing
  // every clip before each re-stitch cost more than the join itself (48 clips: 130 ms against 300 ms).
  // `--frozen` and `cache verify` read every byte.
  const changed = new Set(
    shots.filter((s) => changedSinceSidecar(ctx.paths, "clip", s.key)).map((s) => s.key),
  );
  const checks = new Map(
    shots.map((s) => [s.key, limit(() => verified(ctx.paths, "clip", s.key, { hash: changed.has(s.key) }))]),
  );
  const bad: DamagedClip[] = [];
  for (const s of shots) {
    const result = await checks.get(s.key)!;
    // With --allow-missing, a shot that never got a clip is missing, not damaged: a slate stands in for it.
    if (!result.ok && !(ctx.options.allowMissing && result.problem === "no sidecar"))
      bad.push({ shot: s.id, key: s.key, why: result.why });
    // Intact after all (copied with new times, say): the sidecar is made newer, so the next render hashes nothing.
    else if (result.ok && (s.done || changed.has(s.key))) await touchSidecar(ctx.paths, "clip", s.key);
  }
  const repaired = new Set<string>();
  // Used only by films already up to date: fetched again if free, else left (nothing is paid for a done film).
  const needed = new Set(shots.filter((s) => !s.done).map((s) => s.key));
  const left = new Set<string>();
  const moved = new Map<string, string>();
  for (const key of new Set(bad.map((b) => b.key))) {
    // Offline nothing is fetched, and nothing is removed: its sidecar still knows where to fetch it for free.
    if (ctx.options.offline) ctx.unusable.add(key);
    else if (await refetch(ctx.paths, "clip", key)) repaired.add(key);
    else if (!needed.has(key)) left.add(key);
    // Another key's clip under this name goes back to its own (when free); this key's is made again.
    else {
      const owner = (await readSidecar(ctx.paths, "clip", key))?.key;
      if (await returnToOwnKey(ctx.paths, "clip", key)) moved.set(key, owner!);
      else await evict(ctx.paths, "clip", key);
    }
  }
  for (const b of bad) {
    const text = repaired.has(b.key)
      ? `${b.shot}: its cached clip was damaged; fetched it again from fal (the same bytes, nothing paid)`
      : left.has(b.key)
        ? `${b.shot}: its cached clip is damaged (${b.why}) and could not be fetched again; the film is up to date, so nothing was made. \`storyreel cache verify --repair\` says what can be done`
        : undefined;
    if (text) ctx.emit({ type: "notice", text });
  }
  return bad
    .filter((b) => !repaired.has(b.key) && !left.has(b.key))
    .map((b) => (moved.has(b.key) ? { ...b, movedTo: moved.get(b.key)! } : b));
}

interface ShotToCheck {
  id: string;
  key: string;
  // In a film already up to date.
  done?: boolean;
}

async function shotsToCheck(job: FilmJob, ctx: RenderContext): Promise<ShotToCheck[]> {
  // Checked before the graph runs: only what is cached now (what the render makes is checked as it comes in).
  const plan = job.film.plan;
  // A shot's clip, and the passes' outputs that finish it (each a clip under its own key).
  const shots = [
    ...plan.shots.filter((s) => s.status === "cached"),
    ...plan.steps
      .filter((s) => isPass(s) && s.status === "cached")
      .map((s) => ({ id: labelOf(s), key: s.key })),
  ];
  if (!job.current) return shots.map((s) => ({ id: s.id, key: s.key }));
  // Up to date: nothing is hashed (a render that does nothing stays instant), except a clip written after its
  // sidecar (its bytes changed since they entered the cache). Offline, nothing could be repaired.
  if (ctx.options.offline) return [];
  return shots
    .filter((s) => changedSinceSidecar(ctx.paths, "clip", s.key))
    .map((s) => ({ id: s.id, key: s.key, done: true }));
}

export { willGenerate };
