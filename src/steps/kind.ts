// What a kind of step is: the one place that says how a still, a clip or a voice-over is named, stored, run,
// reported and locked. Everything that handles steps of every kind asks the registry (registry.ts), never
// `kind === "still"`.
import type { Plan } from "../plan/plan.js";
import type { PlannedStep } from "../plan/steps.js";
import type { RemoteCache } from "../cache/remote/remote-cache.js";
import type { ClipSidecar } from "../cache/artifacts/index.js";
import type { ArtifactKind } from "../cache/layout.js";
import type { StepProvider, ProviderContext, StepUpdate, Slots } from "../providers/types.js";
import type { ImageRef, Storyboard } from "../storyboard/types.js";
import type { RetryPolicy } from "./retry.js";

export type StepKindName = "still" | "edit" | "frame" | "clip" | "voice" | "music" | "lipsync" | "upscale";

// Where a step's output lives (`ArtifactKind`): `<cache>/<artifact>s/<key>.<ext>` and `v1/<artifact>s/` in a bucket.
export type { ArtifactKind } from "../cache/layout.js";

// A made input, or why not: `root` names the step that failed first, so a dependant says "blocked by still keeper".
export type Made =
  | { ok: true; image?: Extract<ImageRef, { kind: "file" } | { kind: "url" }>; file?: string }
  | { ok: false; why: string; root: string };

export interface StepKind {
  name: StepKindName;
  artifact: ArtifactKind;
  // Its steps' ids start with it: "shot:arrival", "still:keeper", "voice:arrival".
  prefix: string;
  // Work done at fal: it takes a slot and has a price. A frame is taken locally, for free.
  paid: boolean;
  // A pass: it takes a shot's clip and gives the clip the film uses in its place (stored as a clip).
  finishes?: true;
  // How events, messages and the summary name one step: "still keeper", "voice-over arrival", "music bed".
  label(name: string): string;
  // The noun that counts them in the plan's table and the summary ("still", "sound", "frame").
  noun: string;
  // The step's takes, when it has several (a clip's are on its shot in the plan).
  takesOf?(step: PlannedStep, plan: Plan): Pick<PlannedStep, "take" | "takes"> | undefined;
  // Its entry in the lockfile, when its output is pinned there: where it comes in the lock (stills, then the
  // shots' clips, then sounds), the model that makes it, and the fact of its output kept besides sha256 and bytes.
  lock?: {
    order: number;
    model(step: PlannedStep, board: Storyboard, plan: Plan): string;
    // A video model's family alias and mode, besides its endpoint.
    family?(step: PlannedStep, board: Storyboard): { endpoint: string; family: string; mode: string };
    fact: "size" | "duration";
  };
  // Said as the render starts the step, before it waits for its inputs (a clip shows as queued at once).
  started?(step: PlannedStep, run: StepRun): void;
  // Makes one step once its inputs exist (`inputs` by step id), through the provider and the store.
  run(step: PlannedStep, inputs: ReadonlyMap<string, Made>, run: StepRun): Promise<Made>;
  // A cached step's output when another step needs it: checked, and fetched again (free) when damaged.
  cachedInput(step: PlannedStep, run: StepRun): Promise<Made>;
}

// Each still, frame and sound the render made, found cached, or could not make.
export interface StepOutcome {
  id: string;
  kind: StepKindName;
  name: string;
  key: string;
  status: "generated" | "cached" | "extracted" | "failed" | "skipped";
  cost?: number;
  error?: string;
  file?: string;
}

// A clip (one per key; `shots` are the shots sharing it, first one first), as the film and the report see it.
export interface ClipOutcome {
  key: string;
  shots: string[];
  status: "generated" | "cached" | "failed" | "skipped";
  sidecar?: ClipSidecar;
  error?: string;
}

// What the executor gives a kind's `run`: the plan, the provider, the render's context, and the ways to report.
export interface StepRun {
  plan: Plan;
  storyboard: Storyboard;
  provider: StepProvider;
  context: Omit<ProviderContext, "update" | "slots">;
  retry?: RetryPolicy;
  remote?: RemoteCache;
  // The step's place among the slots (by the fal work behind it; requests an earlier run made go first).
  slots(step: PlannedStep): Slots;
  // A progress event: `label` names the step, `shots` the shots a clip serves.
  update(label: string, key: string, shots: string[], update: StepUpdate): void;
  // "still keeper", "voice-over arrival": the registry's name for a step.
  labelOf(step: PlannedStep): string;
  outcome(outcome: StepOutcome): void;
  clip(outcome: ClipOutcome): void;
  // Another step's result, made (or checked) once however many steps need it.
  need(id: string): Promise<Made>;
}
