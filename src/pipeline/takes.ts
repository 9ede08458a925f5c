// Retakes and picks: both are edits of the lockfile (how many takes a step has, which one it uses), then the
// same plan and render as ever. Ids are shot ids or still names.
import path from "node:path";
import type { CachePaths } from "../cache/layout.js";
import { acquireMutex, type KeyMutex } from "../cache/mutex.js";
import { type Lockfile, type LockStep, LOCK_VERSION, lockPath, writeLock } from "../project/lockfile.js";
import { InterruptedError, UsageError } from "../errors.js";
import type { PlannedStep } from "../plan/steps.js";
import { sha256 } from "../util/hash.js";
import { closest } from "../util/suggest.js";
import { outputFacts, pinnedSteps } from "./pinning.js";
import type { PlannedFilm } from "./plans.js";
import { isPass, labelOf, storedAs } from "../steps/registry.js";

export interface StepRef {
  id: string;
  // How messages name it: "arrival", "keeper", "lip-sync arrival".
  name: string;
  // What to type to name it again: a shot's id, a still's name, a pass's id ("lipsync:arrival").
  arg: string;
  key: string;
  take: number;
  takes: Array<{ take: number; key: string; status: string }>;
  model: string;
  cost: number;
}

// The step an id names in a planned storyboard: a shot's clip, a still, or a pass by its id.
export function findStep(film: PlannedFilm, id: string): StepRef {
  const { plan, board } = film;
  const name = id.replace(/^(shot|still):/, "");
  const shot = plan.shots.find((s) => s.id === name && !id.startsWith("still:"));
  if (shot)
    return {
      id: `shot:${shot.id}`,
      name: shot.id,
      arg: shot.id,
      key: shot.key,
      take: shot.take ?? 1,
      takes: shot.takes ?? [{ take: 1, key: shot.key, status: shot.status }],
      model: shot.endpoint,
      cost: shot.cost,
    };
  const still = plan.steps.find((s): s is PlannedStep => storedAs(s, "still") && s.name === name);
  if (still)
    return {
      id: still.id,
      name: still.name,
      arg: still.name,
      key: still.key,
      take: still.take ?? 1,
      takes: still.takes ?? [{ take: 1, key: still.key, status: still.status }],
      model: board.stills.find((s) => s.name === name)!.model.endpoint,
      cost: still.cost,
    };
  // A pass by its id: "lipsync:warning", "upscale:warning@4k".
  const pass = plan.steps.find((s) => s.id === id && isPass(s));
  if (pass)
    return {
      id: pass.id,
      name: labelOf(pass),
      arg: pass.id,
      key: pass.key,
      take: pass.take ?? 1,
      takes: pass.takes ?? [{ take: 1, key: pass.key, status: pass.status }],
      model: pinnedSteps(plan, board).find((p) => p.id === pass.id)!.model,
      cost: pass.cost,
    };
  const passes = plan.steps.filter(isPass).map((s) => s.id);
  const known = [...plan.shots.map((s) => s.id), ...board.stills.map((s) => s.name), ...passes];
  const hint = closest(id.includes(":") ? id : name, known);
  throw new UsageError(
    `${board.file} has no ${passes.length ? "shot, still or pass" : "shot or still"} "${id.includes(":") && !/^(shot|still):/.test(id) ? id : name}"${hint ? ` (did you mean "${hint}"?)` : ""}; it has: ${known.join(", ")}`,
  );
}

// One retake of a storyboard at a time (in this cache): each plans and reserves its take after the last one
// ended, so two retakes at once make two takes, one after the other. Held until the retake's render ends.
// A Ctrl-C while waiting ends the wait, with nothing changed.
export async function retakeTurn(
  storyboardPath: string,
  paths: CachePaths,
  o: { signal: AbortSignal; onWait: (pid: number) => void },
): Promise<KeyMutex> {
  const key = sha256(`retake:${path.resolve(storyboardPath)}`);
  try {
    return await acquireMutex(paths.mutex(key), { signal: o.signal, onWait: (owner) => o.onWait(owner.pid) });
  } catch (err) {
    if (o.signal.aborted)
      throw new InterruptedError(
        "storyreel: interrupted while waiting for the other retake; nothing changed",
      );
    throw err;
  }
}

// Adds one take to each step; the render that follows makes it. Returns the new take numbers.
export async function addTakes(
  film: PlannedFilm,
  ids: string[],
): Promise<Array<{ step: StepRef; take: number }>> {
  const steps = ids.map((id) => findStep(film, id));
  const lock = film.lock ?? emptyLock(film);
  const added = steps.map((step) => {
    const entry = lockEntry(lock, step);
    entry.takes = Math.max(entry.takes, step.takes.length) + 1;
    return { step, take: entry.takes };
  });
  await writeLock(lockPath(film.board.path), lock);
  return added;
}

// Chooses the take a step uses from now on (and so what every step downstream is made from). The lock gets
// that take's own output facts (none when it is not made yet), so --frozen checks the picked bytes.
export async function pickTake(
  film: PlannedFilm,
  id: string,
  take: number,
  paths: CachePaths,
): Promise<{ step: StepRef; cached: boolean }> {
  const step = findStep(film, id);
  const chosen = step.takes.find((t) => t.take === take);
  if (!chosen)
    throw new UsageError(
      `${step.name} has ${step.takes.length === 1 ? "1 take" : `${step.takes.length} takes`}, so there is no take ${take}; \`storyreel retake ${film.board.file} ${step.arg}\` makes another`,
    );
  const lock = film.lock ?? emptyLock(film);
  const { cost, ...entry } = lockEntry(lock, step);
  // The storyboard's `takes` may be more than the lock counted so far.
  const takes = Math.max(entry.takes, step.takes.length);
  const pinned = pinnedSteps(film.plan, film.board).find((p) => p.id === step.id)!;
  const facts = (await outputFacts(paths, pinned.artifact, chosen.key, pinned.fact)) ?? {};
  const picked: LockStep = {
    id: step.id,
    key: chosen.key,
    take,
    takes,
    picked: true,
    model: pinned.model,
    ...pinned.family,
    ...facts,
    cost,
  };
  lock.steps = lock.steps.map((s) => (s.id === step.id ? picked : s));
  await writeLock(lockPath(film.board.path), lock);
  return { step, cached: chosen.status === "cached" };
}

function emptyLock(film: PlannedFilm): Lockfile {
  const name = film.board.path.split(/[\\/]/).pop()!;
  return { version: LOCK_VERSION, storyboard: name, provider: film.plan.provider, steps: [] };
}

// The step's lock entry, made afresh when there is none or when it describes an earlier version of the step
// (another key): its retakes and pick do not carry over to the new version.
function lockEntry(lock: Lockfile, step: StepRef): LockStep {
  const fresh: LockStep = {
    id: step.id,
    key: step.key,
    take: step.take,
    takes: step.takes.length,
    model: step.model,
    cost: step.cost,
  };
  const at = lock.steps.findIndex((s) => s.id === step.id);
  if (at === -1) lock.steps.push(fresh);
  else if (lock.steps[at]!.key !== step.key) lock.steps[at] = fresh;
  return lock.steps.find((s) => s.id === step.id)!;
}
