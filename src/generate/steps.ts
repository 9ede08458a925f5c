// The graph's other steps, run as their inputs appear: stills (generated or edited, through the provider and
// its slots) and frames (taken locally from a clip). Each is made once per render, however many steps use it.
import { failureText } from "../cache/writable.js";
import { makeStep } from "./make-step.js";
import { rename } from "node:fs/promises";
import { readFile } from "node:fs/promises";
import { mkdir } from "node:fs/promises";
import { acquireLock } from "../cache/lock.js";
import { cachedStill, extension } from "../cache/legacy-store.js";
import type { RemoteCache } from "../cache/remote/remote-cache.js";
import { refetchStill } from "../providers/refetch.js";
import { NotStartedError, ProviderError } from "../errors.js";
import { frameArgs } from "../media/frame.js";
import { runTool } from "../media/run.js";
import { stillKeyMaterial } from "../plan/graph-keys.js";
import { type Plan, paysFor, type ShotStatus } from "../plan/plan.js";
import type { PlannedStep } from "../plan/steps.js";
import type { ClipProvider, ProviderContext, ShotUpdate, Slots } from "../providers/types.js";
import { sniffImage } from "../storyboard/image-info.js";
import type { ImageRef, Storyboard } from "../storyboard/types.js";
import { sha256 } from "../util/hash.js";
import { removeIfExists, statIfExists } from "../util/fs.js";
import { tempSibling } from "../cache/atomic.js";
import type { RetryPolicy } from "./retry.js";

// A made input, or why not: `root` names the step that failed first, so a dependant says "blocked by still keeper".
export type Made =
  | { ok: true; image: Extract<ImageRef, { kind: "file" } | { kind: "url" }> }
  | { ok: false; why: string; root: string };

export interface StepOutcome {
  id: string;
  kind: PlannedStep["kind"];
  name: string;
  key: string;
  status: "generated" | "cached" | "extracted" | "failed" | "skipped";
  cost?: number;
  error?: string;
  file?: string;
}

export interface StepRunOptions {
  plan: Plan;
  storyboard: Storyboard;
  provider: ClipProvider;
  context: Omit<ProviderContext, "update" | "slots">;
  slots: Slots;
  // A step's priority for a slot (the fal work on the longest path behind it).
  rank?: (id: string) => number;
  retry?: RetryPolicy;
  // The clip file of a shot, once its clip exists (or why it never will).
  clipOf(shotId: string): Promise<{ ok: true; file: string } | { ok: false; why: string }>;
  remote?: RemoteCache;
  onUpdate(step: PlannedStep, update: ShotUpdate & { error?: string; cost?: number }): void;
  onOutcome(outcome: StepOutcome): void;
}

export function stepRunner(o: StepRunOptions) {
  const made = new Map<string, Promise<Made>>();
  const steps = new Map(o.plan.steps.map((s) => [s.id, s]));
  const once = (id: string, make: () => Promise<Made>) => {
    let p = made.get(id);
    if (!p) {
      p = make();
      made.set(id, p);
    }
    return p;
  };
  const identity = (i: ImageRef): Record<string, string> =>
    i.kind === "file"
      ? (i.identity ?? { sha256: i.sha256 })
      : i.kind === "url"
        ? { url: i.url }
        : i.kind === "still"
          ? { still: steps.get(`still:${i.still}`)!.key }
          : { frame: steps.get(`frame:${i.source}`)!.key };
  const input = (image: ImageRef): Promise<Made> => {
    if (image.kind === "file") return Promise.resolve({ ok: true, image });
    // A URL is given as it is: the provider passes it to fal (preview cannot fetch it, and draws a card).
    if (image.kind === "url") return Promise.resolve({ ok: true, image });
    if (image.kind === "still") return once(`still:${image.still}`, () => still(image.still));
    return once(`frame:${image.source}`, () => frame(image));
  };

  // The still's used take, or with `variant` another of its takes (same inputs, its own key).
  async function still(name: string, variant?: PlannedStep): Promise<Made> {
    const step = variant ?? steps.get(`still:${name}`)!;
    if (step.duplicate_of)
      return input({ kind: "still", source: `still ${step.duplicate_of}`, still: step.duplicate_of });
    const spec = o.storyboard.stills.find((s) => s.name === name)!;
    // A paid still whose bytes went bad is fetched again from fal's URL first (free), as clips are.
    const paths = o.context.paths;
    const cached =
      (await cachedStill(paths, step.key)) ??
      ((await refetchStill(paths, step.key)) ? await cachedStill(paths, step.key) : undefined);
    if (cached)
      return done(step, "cached", {
        ...fileRef(step, cached.file, cached.sidecar),
        identity: { still: step.key },
      });
    if (step.status === "skipped")
      return failed(step, "skipped", `still ${name} is not cached, and --only leaves it out`);
    const refs = await Promise.all(spec.references.map(input));
    const blocked = refs.find((r): r is Extract<Made, { ok: false }> => !r.ok);
    if (blocked) return failed(step, "failed", blockedText(blocked), false, blocked.root);
    const update = (u: ShotUpdate & { error?: string; cost?: number }) => o.onUpdate(step, u);
    const slots = { acquire: () => o.slots.acquire(o.rank?.(step.id) ?? 0) };
    const ctx: ProviderContext = { ...o.context, slots, update };
    if (ctx.stopSubmitting.aborted) return failed(step, "skipped", "interrupted before it started");
    update({ state: "queued", ...(step.reason && { detail: step.reason }) });
    const lock = await acquireLock(ctx.paths.lock(step.key), {
      onWait: (owner) =>
        update({ state: "waiting", detail: `another render (pid ${owner.pid}) is making this still` }),
    });
    try {
      const meanwhile = await cachedStill(ctx.paths, step.key);
      if (meanwhile)
        return done(step, "cached", {
          ...fileRef(step, meanwhile.file, meanwhile.sidecar),
          identity: { still: step.key },
        });
      const job = {
        key: step.key,
        still: spec,
        references: refs.map((r) => (r as Extract<Made, { ok: true }>).image),
        cost: step.cost,
        priced: paysFor(step.status as ShotStatus, o.context),
        // The same material the plan hashed into this step's key, so a later plan can say what changed.
        keyMaterial: stillKeyMaterial(spec, o.provider.id, identity),
        videoModel: o.storyboard.model,
      };
      const made = await makeStep((c) => o.provider.still(job, c), ctx, o.retry, o.remote, {
        key: step.key,
        kind: "still",
        step: `still ${name}`,
      });
      if (made.from === "remote") {
        const fetched = await cachedStill(ctx.paths, step.key);
        if (fetched) {
          update({ state: "cached", detail: "from the remote cache" });
          return done(step, "cached", {
            ...fileRef(step, fetched.file, fetched.sidecar),
            identity: { still: step.key },
          });
        }
      }
      if (made.from !== "made")
        throw new ProviderError("the still fetched from the remote cache is not readable", {
          transient: false,
        });
      const sidecar = made.value;
      update({
        state: "done",
        ...(sidecar.request_id && { request_id: sidecar.request_id }),
        cost: sidecar.cost,
      });
      const file = ctx.paths.still(step.key, extension(sidecar.format));
      return done(
        step,
        "generated",
        { ...fileRef(step, file, sidecar), identity: { still: step.key } },
        sidecar.cost,
      );
    } catch (err) {
      if (err instanceof NotStartedError) return failed(step, "skipped", err.message);
      const message = err instanceof ProviderError ? err.message : failureText(err);
      update({ state: "failed", error: message });
      return failed(step, "failed", message, true);
    } finally {
      await lock.release();
    }
  }

  async function frame(image: Extract<ImageRef, { kind: "frame" }>): Promise<Made> {
    const step = steps.get(`frame:${image.source}`)!;
    const file = o.context.paths.frame(step.key);
    if (await statIfExists(file)) {
      const ref = await frameRef(step, file);
      if (ref) return done(step, "cached", ref);
      // Not a readable image any more: taken again (it is free).
      await removeIfExists(file);
    }
    const clip = await o.clipOf(image.from);
    if (!clip.ok) {
      const why = clip.why.startsWith("blocked by ")
        ? `blocked by ${image.from}, which is ${short(clip.why)}`
        : `blocked by ${image.from} (${short(clip.why)})`;
      return failed(step, "failed", why, false, image.from);
    }
    const tmp = tempSibling(file);
    try {
      await mkdir(o.context.paths.frame("x").replace(/x\.png$/, ""), { recursive: true });
      await runTool(o.context.tools.ffmpeg, frameArgs(clip.file, keptFrame(image, o.storyboard), tmp));
      if (!(await statIfExists(tmp)))
        throw new Error(`no frame at ${image.frame} in the clip of ${image.from}`);
      await rename(tmp, file);
    } catch (err) {
      await removeIfExists(tmp);
      return failed(
        step,
        "failed",
        `taking frame ${image.frame} of ${image.from}: ${(err as Error).message.split("\n")[0]}`,
        true,
      );
    }
    const ref = await frameRef(step, file);
    if (!ref)
      return failed(step, "failed", `the frame taken from ${image.from} is not a readable image`, false);
    o.onUpdate(step, { state: "done", detail: `frame ${image.frame} taken from ${image.from}` });
    return done(step, "extracted", ref);
  }

  function done(
    step: PlannedStep,
    status: StepOutcome["status"],
    image: Extract<ImageRef, { kind: "file" }>,
    cost?: number,
  ): Made {
    o.onOutcome({
      id: step.id,
      kind: step.kind,
      name: step.name,
      key: step.key,
      status,
      file: image.path,
      ...(cost !== undefined && { cost }),
    });
    return { ok: true, image };
  }

  function failed(
    step: PlannedStep,
    status: "failed" | "skipped",
    why: string,
    reported = false,
    root?: string,
  ): Made {
    if (!reported && status === "failed") o.onUpdate(step, { state: "failed", error: why });
    o.onOutcome({ id: step.id, kind: step.kind, name: step.name, key: step.key, status, error: why });
    const label = `${step.kind === "frame" ? "frame" : "still"} ${step.name}`;
    // A step blocked by another passes that one's name and reason on, not a chain of "blocked by".
    return root ? { ok: false, why, root } : { ok: false, why: short(why), root: label };
  }

  // Another take of a still: made like the used one, once, under its own key.
  const stillTake = (name: string, take: { take: number; key: string; status: PlannedStep["status"] }) => {
    const step = steps.get(`still:${name}`)!;
    const variant: PlannedStep = {
      ...step,
      id: `${step.id}#${take.take}`,
      name: `${name} take ${take.take}`,
      key: take.key,
      status: take.status,
    };
    return once(variant.id, () => still(name, variant));
  };

  return { input, stillTake };
}

export function blockedText(blocked: Extract<Made, { ok: false }>): string {
  return blocked.why.startsWith("blocked by ") ? blocked.why : `blocked by ${blocked.root} (${blocked.why})`;
}

// A reason short enough to repeat on every step it blocks: its first line, at most 160 characters.
function short(why: string): string {
  const line = why.split("\n")[0]!;
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}

function fileRef(
  step: PlannedStep,
  file: string,
  s: { sha256: string; bytes: number; format: "png" | "jpeg" | "webp"; width: number; height: number },
): Extract<ImageRef, { kind: "file" }> {
  return {
    kind: "file",
    source: `still ${step.name}`,
    path: file,
    sha256: s.sha256,
    bytes: s.bytes,
    format: s.format,
    width: s.width,
    height: s.height,
  };
}

async function frameRef(
  step: PlannedStep,
  file: string,
): Promise<Extract<ImageRef, { kind: "file" }> | undefined> {
  const bytes = await readFile(file);
  const info = sniffImage(bytes);
  if (!info) return undefined;
  return {
    kind: "file",
    source: step.name,
    path: file,
    sha256: sha256(bytes),
    bytes: bytes.length,
    format: info.format,
    width: info.width,
    height: info.height,
    identity: { frame: step.key },
  };
}

// first and last are of the part of the clip the film keeps: a trimmed clip's last frame is the one before
// its trim end (a frame at 24 fps, the clips' rate), its first the one at its trim start.
function keptFrame(
  image: Extract<ImageRef, { kind: "frame" }>,
  board: Storyboard,
): "first" | "last" | number {
  const source = board.shots.find((s) => s.id === image.from);
  const trim = source?.trim;
  if (!trim || typeof image.frame === "number") return image.frame;
  if (image.frame === "first") return trim.start > 0 ? trim.start : "first";
  return trim.end < source.duration ? Math.max(0, trim.end - 1 / 24) : "last";
}
