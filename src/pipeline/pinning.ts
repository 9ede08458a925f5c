// The lockfile after a render: per step the take used, its key and its output's facts, written beside the
// storyboard when it changed. It pins paid outputs: a preview render never replaces a lock a fal render wrote.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { type Lockfile, type LockStep, LOCK_VERSION, lockPath, writeLock } from "../project/lockfile.js";
import type { CachePaths } from "../cache/layout.js";
import {
  outputFile,
  readSidecar,
  type SidecarKind,
  sidecarFile,
  verified,
} from "../cache/artifacts/index.js";
import type { Storyboard } from "../storyboard/types.js";
import { UsageError } from "../errors.js";
import { statIfExists } from "../util/fs.js";
import { readJsonNow } from "../cache/atomic.js";
import type { StitchResult } from "../stitch/stitch.js";
import type { RenderContext } from "./context.js";
import type { PlannedFilm } from "./plans.js";
import { kindOf } from "../steps/registry.js";
import type { Plan } from "../plan/plan.js";

// `madeOutputs`: this render generated or fetched something, so an output's bytes may have changed under an
// unchanged key (a damaged clip made again, a bad remote object replaced): the lock is rebuilt then.
export async function writeLockfiles(
  films: PlannedFilm[],
  stitched: StitchResult[],
  ctx: RenderContext,
  madeOutputs = true,
): Promise<void> {
  for (const film of films) {
    const previous = film.lock;
    const provider = film.plan.provider;
    // Locks are made by fal renders (and by retake and pick); a preview render updates only a preview lock.
    if (provider === "preview" && previous?.provider !== "preview") continue;
    // Nothing changed (the common up-to-date render): the lock is not rebuilt from a hundred sidecars.
    const stitchedFilm = stitched.find((f) => f.output === film.output);
    if (previous && !madeOutputs && unchanged(previous, film, stitchedFilm?.key)) continue;
    const lock = await buildLock(
      film,
      stitched.find((f) => f.output === film.output),
      ctx,
    );
    if (await writeLock(lockPath(film.board.path), lock))
      ctx.emit({
        type: "notice",
        text: `Lock: ${ctx.shown(lockPath(film.board.path))} updated (commit it with the storyboard)`,
      });
  }
}

export async function buildLock(
  film: PlannedFilm,
  stitched: StitchResult | undefined,
  ctx: RenderContext,
): Promise<Lockfile> {
  const { board, plan } = film;
  const before = new Map((film.lock?.steps ?? []).map((s) => [s.id, s]));
  const steps: LockStep[] = [];
  // Retakes and a pick count for the version of the step they were made for (the same key for the same take).
  const sameVersion = (id: string, key: string) => (before.get(id)?.key === key ? before.get(id) : undefined);
  const picked = (id: string, key: string) => (sameVersion(id, key)?.picked ? { picked: true as const } : {});
  for (const p of pinnedSteps(plan, board)) {
    const facts = p.fact === "size" ? ["sha256", "bytes", "size"] : ["sha256", "bytes", "duration"];
    steps.push({
      id: p.id,
      key: p.key,
      take: p.take,
      takes: Math.max(p.takes, sameVersion(p.id, p.key)?.takes ?? 1),
      ...picked(p.id, p.key),
      model: p.model,
      ...p.family,
      ...((await outputFacts(ctx.paths, p.artifact, p.key, p.fact)) ??
        kept(before.get(p.id), p.key, facts as Array<keyof LockStep>)),
      cost: p.cost,
    });
  }
  return {
    version: LOCK_VERSION,
    storyboard: path.basename(board.path),
    provider: plan.provider,
    steps,
    ...(stitched ? { film: { key: stitched.key } } : film.lock?.film ? { film: film.lock.film } : {}),
  };
}

// The lock already says what this render would write: the same steps, keys and takes, every output
// recorded, and the same film.
function unchanged(lock: Lockfile, film: PlannedFilm, filmKey: string | undefined): boolean {
  if (lock.provider !== film.plan.provider || (filmKey !== undefined && lock.film?.key !== filmKey))
    return false;
  const steps = pinnedSteps(film.plan, film.board);
  if (steps.length !== lock.steps.length) return false;
  const byId = new Map(lock.steps.map((s) => [s.id, s]));
  return steps.every((s) => {
    const l = byId.get(s.id);
    return (
      l !== undefined && l.key === s.key && l.take === s.take && l.takes >= s.takes && l.sha256 !== undefined
    );
  });
}

// What the lock records of a step's output (a take's key), from its sidecar; undefined when it is not cached.
export async function outputFacts(
  paths: CachePaths,
  artifact: SidecarKind,
  key: string,
  // The fact its kind keeps in the lock (see the kinds' `lock`).
  fact: "size" | "duration",
): Promise<Partial<LockStep> | undefined> {
  const side = await readSidecar(paths, artifact, key);
  if (!side) return undefined;
  const facts =
    fact === "size" && "width" in side
      ? { size: `${side.width}x${side.height}` }
      : { duration: (side as { duration?: number }).duration };
  return { sha256: side.sha256, bytes: side.bytes, ...facts, ...requestId(side) };
}

// The steps a lockfile pins, in its order (stills and edits, the shots' clips, then sounds), each with its take,
// where its output is stored and the model that makes it: what each kind's `lock` says.
export function pinnedSteps(plan: Plan, board: Storyboard) {
  return plan.steps
    .filter((s) => kindOf(s.kind).lock)
    .map((s, i) => ({ s, i, lock: kindOf(s.kind).lock! }))
    .sort((a, b) => a.lock.order - b.lock.order || a.i - b.i)
    .map(({ s, lock }) => {
      const { take, takes } = kindOf(s.kind).takesOf?.(s, plan) ?? s;
      return {
        id: s.id,
        key: s.key,
        take: take ?? 1,
        takes: takes?.length ?? 1,
        artifact: kindOf(s.kind).artifact as SidecarKind,
        model: lock.model(s, board, plan),
        family: lock.family?.(s, board),
        fact: lock.fact,
        cost: s.cost,
      };
    });
}

function requestId(side: { request_id?: string }): Partial<LockStep> {
  return side.request_id ? { request_id: side.request_id } : {};
}

// An output this cache lacks (a still nothing needs any more, say) keeps the facts the lock had for that key.
function kept(step: LockStep | undefined, key: string, fields: Array<keyof LockStep>): Partial<LockStep> {
  if (!step || step.key !== key) return {};
  return Object.fromEntries(fields.filter((f) => step[f] !== undefined).map((f) => [f, step[f]]));
}

// --frozen: the storyboard must plan to exactly the lock's steps and keys, and every locked output must be in
// the cache with its locked bytes. Anything else is named, before any work.
// With `outputs: false` only the storyboard and lock are compared (the outputs may still come from a bucket).
export async function checkFrozen(
  films: PlannedFilm[],
  ctx: RenderContext,
  check: { outputs: boolean } = { outputs: true },
): Promise<void> {
  const problems: string[] = [];
  for (const film of films) {
    const file = ctx.shown(lockPath(film.board.path));
    const lock = film.lock;
    if (!lock) {
      problems.push(
        film.plan.provider === "fal"
          ? `${file} does not exist: render once without --frozen (it writes the lock), then commit it`
          : `${file} does not exist: fal renders write the lock (a preview render writes one only once \`storyreel retake\` or \`pick\` started it)`,
      );
      continue;
    }
    if (lock.provider !== film.plan.provider)
      problems.push(
        `${file} pins ${lock.provider} outputs, and this render uses --provider ${film.plan.provider}`,
      );
    // A still whose every shot is cached is not needed to render the film, so its output need not be here.
    const unneeded = new Set(film.plan.steps.filter((s) => s.status === "skipped").map((s) => s.id));
    const pinned = pinnedSteps(film.plan, film.board);
    const planned = new Map(pinned.map((p) => [p.id, p.key]));
    const models = new Map(pinned.map((p) => [p.id, p.model]));
    const artifacts = new Map(pinned.map((p) => [p.id, p.artifact]));
    const locked = new Map(lock.steps.map((s) => [s.id, s]));
    const differ: string[] = [];
    const missing: string[] = [];
    for (const [id, key] of planned) {
      const step = locked.get(id);
      if (!step) differ.push(`${id} (not in the lock)`);
      else if ((step.endpoint ?? step.model) !== models.get(id))
        differ.push(
          `${id} (the lock's endpoint is ${step.endpoint ?? step.model}, the storyboard's ${models.get(id)})`,
        );
      else if (step.key !== key) differ.push(`${id} (the storyboard changed since the lock)`);
      else if (unneeded.has(id) || !check.outputs) continue;
      else {
        const wrong = step.sha256
          ? await outputProblem(artifacts.get(id)!, step.key, step.sha256, ctx)
          : "the lock has no sha256";
        if (wrong) missing.push(`${id} (${wrong})`);
      }
    }
    for (const id of locked.keys())
      if (!planned.has(id)) differ.push(`${id} (in the lock, not in the storyboard)`);
    if (differ.length)
      problems.push(`${ctx.shown(film.board.path)} and ${file} disagree: ${differ.join(", ")}`);
    if (missing.length)
      problems.push(`locked outputs missing from the cache (or damaged): ${missing.join(", ")}`);
  }
  if (problems.length) throw new UsageError(`--frozen: ${problems.join("; ")}. Nothing was rendered.`);
}

// A cached clip whose sha256 is not the one the lock names, with a sidecar older than the lock, is not taken for
// that shot's clip (another shot's, copied under its key, say). Nothing is deleted or paid on a guess (the lock
// may be the one out of date): the render stops before any work and names it. A clip made after the lock was
// written (by a run killed before it rewrote the lock) stands.
export async function checkLockedClips(films: PlannedFilm[], ctx: RenderContext): Promise<void> {
  const problems: string[] = [];
  for (const { board, plan, lock } of films) {
    if (!lock || lock.provider !== plan.provider) continue;
    const file = lockPath(board.path);
    const at = (await statIfExists(file))?.mtimeMs;
    if (at === undefined) continue;
    const locked = new Map(lock.steps.map((s) => [s.id, s]));
    for (const s of plan.shots) {
      const step = locked.get(`shot:${s.id}`);
      if (s.status !== "cached" || !step?.sha256 || step.key !== s.key) continue;
      const side = sidecarNow(sidecarFile(ctx.paths, "clip", s.key));
      // Another key's sidecar says so itself: the render's check puts such a clip back under its own key.
      if (!side || side.key !== s.key || side.sha256 === step.sha256 || !(Date.parse(side.created_at) < at))
        continue;
      problems.push(
        `${ctx.shown(file)} names sha256 ${step.sha256.slice(0, 12)}… for shot:${s.id}, and the cache holds ${side.sha256.slice(0, 12)}… (${ctx.shown(outputFile(ctx.paths, "clip", s.key))})`,
      );
    }
  }
  if (problems.length)
    throw new UsageError(
      `cached clips are not the ones the lock names: ${problems.join("; ")}. Such a clip is not used: it may be another shot's, copied under this one's key. If it is, delete it and its .json sidecar (the next render makes it again); if the lock is the one out of date, use the lock that goes with this cache. Nothing was rendered.`,
    );
}

// What keeps a locked output from being used as it is: missing, a sidecar that is not one (damaged, a folder,
// another key's), bytes that are not the locked ones. Undefined: it is there, intact.
async function outputProblem(
  kind: SidecarKind,
  key: string,
  sha256: string,
  ctx: RenderContext,
): Promise<string | undefined> {
  const file = sidecarFile(ctx.paths, kind, key);
  const shown = ctx.shown(file);
  const info = await statIfExists(file);
  if (!info) return `not in the cache: no ${shown}`;
  if (!info.isFile()) return `its sidecar ${shown} is not a file`;
  let sidecar: { key?: unknown; sha256?: unknown } | undefined;
  try {
    sidecar = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
  }
  if (!sidecar || typeof sidecar !== "object") return `its sidecar ${shown} is damaged (not JSON)`;
  if (sidecar.key !== key) return `its sidecar ${shown} is another key's`;
  if (sidecar.sha256 !== sha256) return `its sidecar ${shown} gives another sha256 than the lock`;
  const got = await verified(ctx.paths, kind, key);
  if (got.ok) return undefined;
  return got.problem === "missing" ? `its ${kind} file is missing` : "its bytes are damaged";
}

// A clip's sidecar read at once: a no-op render of a locked film looks at every one (see mtimeNow). Unreadable
// or missing: undefined, as the render's own checks then say what is wrong.
function sidecarNow(file: string): { key?: string; sha256: string; created_at: string } | undefined {
  try {
    return readJsonNow(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EISDIR") return undefined;
    throw err;
  }
}
