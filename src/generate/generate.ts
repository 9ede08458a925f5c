// Generate stage: every `generate` entry of the plan becomes a cached clip, at most `concurrency` at a time.
import { failureText } from "../cache/writable.js";
import { makeStep } from "./make-step.js";
import { acquireLock } from "../cache/lock.js";
import { readSidecar, verifyClip, type ClipSidecar } from "../cache/legacy-store.js";
import type { RemoteCache } from "../cache/remote/remote-cache.js";
import { refetchClip } from "../providers/refetch.js";
import { isClipJob, type Plan, paysFor } from "../plan/plan.js";
import { inputsOf } from "../plan/steps.js";
import type { ImageRef, Storyboard } from "../storyboard/types.js";
import { criticalRanks, prioritySlots } from "./priority-slots.js";
import { blockedText, type Made, type StepOutcome, stepRunner } from "./steps.js";
import { makeSounds, soundLabel } from "./sounds.js";
import type { ClipJob, ClipProvider, ProviderContext, ShotUpdate, Slots } from "../providers/types.js";
import { NotStartedError, ProviderError } from "../errors.js";
import type { RetryPolicy } from "./retry.js";

export interface ShotEvent extends ShotUpdate {
  time: number;
  shot: string;
  // Shots sharing this clip (duplicates), first one first.
  shots: string[];
  key: string;
  cost?: number;
  error?: string;
}

export interface ClipOutcome {
  key: string;
  shots: string[];
  status: "generated" | "cached" | "failed" | "skipped";
  sidecar?: ClipSidecar;
  error?: string;
}

export interface GenerateOptions {
  plan: Plan;
  storyboard: Storyboard;
  provider: ClipProvider;
  context: Omit<ProviderContext, "update" | "slots">;
  concurrency: number;
  retry?: RetryPolicy;
  onEvent: (event: ShotEvent) => void;
  // A shared cache: read-through, claims and write-through around every paid step.
  remote?: RemoteCache;
  // Each still and frame the render made, found cached, or could not make.
  onStep?: (outcome: StepOutcome) => void;
}

export async function generateClips(o: GenerateOptions): Promise<ClipOutcome[]> {
  // Collected and blocked shots go to the provider too: it reattaches to the journaled request, or explains.
  const jobs = o.plan.shots.filter((s) => isClipJob(s.status));
  // A slot is held while fal works on a step, and given back before the download, so the next step is
  // submitted while the last one is still being fetched and checked.
  const shared = prioritySlots(o.concurrency);
  const ranks = criticalRanks(o.plan.steps, o.plan.edges);
  const rank = (id: string) => ranks.get(id) ?? 0;
  const seating = collectorsFirst(shared, jobs.filter((s) => s.status === "collect").length);
  const outcomes = new Map<string, Promise<ClipOutcome>>();
  const planned = new Map(o.plan.shots.map((s) => [s.id, s]));
  const clipOf = async (id: string): Promise<{ ok: true; file: string } | { ok: false; why: string }> => {
    const p = planned.get(id)!;
    if (p.duplicate_of) return clipOf(p.duplicate_of);
    if (p.status === "cached") {
      // A frame must come from the clip that was paid for: check its bytes, and fetch it again (free) if bad.
      const check = await verifyClip(o.context.paths, p.key);
      if (check.ok || (await refetchClip(o.context.paths, p.key)))
        return { ok: true, file: o.context.paths.clip(p.key) };
      return { ok: false, why: `its cached clip is damaged (${check.why}); render again to replace it` };
    }
    const outcome = await outcomes.get(id);
    if (outcome && (outcome.status === "generated" || outcome.status === "cached"))
      return { ok: true, file: o.context.paths.clip(p.key) };
    return { ok: false, why: outcome?.error ?? "its clip is not cached, and --only leaves it out" };
  };
  const runner = stepRunner({
    plan: o.plan,
    storyboard: o.storyboard,
    provider: o.provider,
    context: o.context,
    slots: shared,
    rank,
    ...(o.retry && { retry: o.retry }),
    clipOf,
    ...(o.remote && { remote: o.remote }),
    onUpdate: (step, u) =>
      o.onEvent({
        time: o.context.clock.now(),
        shot: `${step.kind === "frame" ? "frame" : "still"} ${step.name}`,
        shots: [],
        key: step.key,
        ...u,
      }),
    onOutcome: (outcome) => o.onStep?.(outcome),
  });
  const start = (p: (typeof jobs)[number], key: string, take?: number) => {
    const collector = p.status === "collect" && !take ? seating.collector() : undefined;
    const label = take ? `${p.id} take ${take}` : p.id;
    const shots = take
      ? [label]
      : [p.id, ...o.plan.shots.filter((s) => s.duplicate_of === p.id).map((s) => s.id)];
    const shot = o.storyboard.shots[p.index]!;
    const emit = (u: ShotUpdate & { error?: string; cost?: number }) =>
      o.onEvent({ time: o.context.clock.now(), shot: label, shots, key, ...u });
    emit({ state: "queued", ...(p.reason && !take && { detail: p.reason }) });
    return (async (): Promise<ClipOutcome> => {
      // A collector that waits for inputs gives up its place first, so the steps making them are not held
      // back behind it (they queue behind collectors).
      if (collector && inputsOf(shot).length > 0) collector.settle();
      // A clip starts once its stills and frames exist; one that cannot get them fails without a submit.
      const inputs = await Promise.all(inputsOf(shot).map(runner.input));
      const blocked = inputs.find((i): i is Extract<Made, { ok: false }> => !i.ok);
      if (blocked) {
        const error = blockedText(blocked);
        emit({ state: "failed", error });
        return { key, shots, status: "failed", error };
      }
      const made = (image: ImageRef | undefined) =>
        image && image.kind !== "file" && image.kind !== "url"
          ? (inputs[inputsOf(shot).indexOf(image)] as Extract<Made, { ok: true }>).image
          : image;
      const concrete = {
        ...shot,
        image: made(shot.image)!,
        ...(shot.endImage && { endImage: made(shot.endImage)! }),
      };
      const job = {
        key,
        shot: concrete,
        model: o.storyboard.model,
        cost: p.cost,
        priced: paysFor(p.status, o.context),
      };
      const seat = collector ?? seating.newcomer;
      return runJob(job, shots, emit, o, { acquire: () => seat.acquire(rank(`shot:${p.id}`)) });
    })()
      .catch((err: unknown): ClipOutcome => {
        const error = failureText(err);
        emit({ state: "failed", error });
        return { key, shots, status: "failed", error };
      })
      .finally(() => collector?.settle());
  };
  for (const p of jobs) outcomes.set(p.id, start(p, p.key));
  // The other takes of each shot: each its own key, made alongside; the film uses the chosen one.
  const extraTakes = o.plan.shots.flatMap((p) =>
    p.duplicate_of
      ? []
      : (p.takes ?? [])
          .filter((t) => t.take !== p.take && isClipJob(t.status))
          .map((t) => start({ ...p, status: t.status }, t.key, t.take)),
  );
  // Stills no clip of this render waits for (an edit's source, a still only a cached shot uses) are made too.
  const makes = (status: string) => ["generate", "collect", "looking up"].includes(status);
  const stills = o.plan.steps.filter((s) => s.kind === "still" || s.kind === "edit");
  const others = [
    ...stills
      .filter((s) => makes(s.status))
      .map((s) => runner.input({ kind: "still", source: `still ${s.name}`, still: s.name })),
    ...stills.flatMap((s) =>
      (s.takes ?? [])
        .filter((t) => t.take !== s.take && makes(t.status))
        .map((t) => runner.stillTake(s.name, t)),
    ),
  ];
  // Voice-overs and a generated bed wait for nothing: they start with the first clips.
  const sounds = makeSounds({
    plan: o.plan,
    storyboard: o.storyboard,
    provider: o.provider,
    context: o.context,
    slots: seating.newcomer,
    ...(o.retry && { retry: o.retry }),
    ...(o.remote && { remote: o.remote }),
    onUpdate: (step, u) =>
      o.onEvent({ time: o.context.clock.now(), shot: soundLabel(step), shots: [], key: step.key, ...u }),
    onOutcome: (outcome) => o.onStep?.(outcome),
  });
  await Promise.all([...others, sounds]);
  return Promise.all([...outcomes.values(), ...extraTakes]);
}

// Requests an earlier run submitted are already using the account's concurrency at fal, so they take their
// slots before any new submit does. A collector that ends without a slot (cached meanwhile, failed) is
// counted as seated when its job settles.
function collectorsFirst(shared: Slots, collectors: number) {
  let seated = 0;
  let allSeated!: () => void;
  const ready = new Promise<void>((resolve) => (allSeated = resolve));
  const seat = () => {
    seated += 1;
    if (seated >= collectors) allSeated();
  };
  if (collectors === 0) allSeated();
  return {
    newcomer: {
      acquire: async (priority?: number) => ready.then(() => shared.acquire(priority)),
    } satisfies Slots,
    collector: (): Slots & { settle(): void } => {
      let done = false;
      const once = () => {
        if (done) return;
        done = true;
        seat();
      };
      return {
        acquire: (priority?: number) => shared.acquire(priority).finally(once),
        settle: once,
      };
    },
  };
}

async function runJob(
  job: ClipJob,
  shots: string[],
  emit: (u: ShotUpdate & { error?: string; cost?: number }) => void,
  o: GenerateOptions,
  shared: Slots,
): Promise<ClipOutcome> {
  const ctx: ProviderContext = { ...o.context, slots: shared, update: emit };
  if (o.context.stopSubmitting.aborted) {
    emit({ state: "skipped", detail: "interrupted before it started" });
    return { key: job.key, shots, status: "skipped", error: "interrupted before it started" };
  }
  const lock = await acquireLock(ctx.paths.lock(job.key), {
    onWait: (owner) =>
      emit({ state: "waiting", detail: `another render (pid ${owner.pid}) is generating this clip` }),
  });
  try {
    const existing = await verifyClip(ctx.paths, job.key);
    if (existing.ok) {
      emit({ state: "cached", detail: "made by another render meanwhile" });
      return { key: job.key, shots, status: "cached", sidecar: existing.sidecar };
    }
    const made = await makeStep((c) => o.provider.generate(job, c), ctx, o.retry, o.remote, {
      key: job.key,
      kind: "clip",
      step: shots[0]!,
    });
    if (made.from === "remote") {
      emit({ state: "cached", detail: "from the remote cache" });
      const fetched = await readSidecar(ctx.paths, job.key);
      return { key: job.key, shots, status: "cached", ...(fetched && { sidecar: fetched }) };
    }
    const sidecar = made.value;
    emit({
      state: "done",
      ...(sidecar.request_id && { request_id: sidecar.request_id }),
      cost: sidecar.cost,
    });
    return { key: job.key, shots, status: "generated", sidecar };
  } catch (err) {
    if (err instanceof NotStartedError) {
      emit({ state: "skipped", detail: err.message });
      return { key: job.key, shots, status: "skipped", error: err.message };
    }
    const message = err instanceof ProviderError ? err.message : failureText(err);
    emit({ state: "failed", error: message });
    return { key: job.key, shots, status: "failed", error: message };
  } finally {
    await lock.release();
  }
}
