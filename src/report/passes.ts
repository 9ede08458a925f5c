// A shot's finishing passes as the report and the timelines show them: each pass in its order, with the model
// that runs it, the clip it takes, its status, cost and output, and the finished clip the film uses.
import type { ClipSidecar } from "../cache/artifacts/index.js";
import { passChain } from "../plan/pass-chain.js";
import type { Plan, PlannedShot, ShotStatus } from "../plan/plan.js";
import type { PlannedStep } from "../plan/steps.js";
import type { StepOutcome } from "../steps/executor.js";
import { labelOf } from "../steps/registry.js";
import type { Shot } from "../storyboard/types.js";
import { type ReportShotStatus, reportStatus } from "./status.js";
import { pickCommand, type ReportTake } from "./steps.js";

// One pass of a planned shot: its step, the pass model's alias and endpoint, and the key of the clip it takes.
export interface ShotPass {
  step: PlannedStep;
  kind: "lipsync" | "upscale";
  // The pass model's name ("kling-lipsync") and its endpoint.
  pass: string;
  endpoint: string;
  // An upscale's target ("1080p").
  height?: string;
  from: string;
}

export interface ReportPass {
  id: string;
  kind: "lipsync" | "upscale";
  // "lip-sync warning", "upscale warning to 1080p".
  label: string;
  // The endpoint that ran it, and the pass model's name.
  model: string;
  pass: string;
  height?: string;
  key: string;
  // The key of the clip it took: the shot's clip or the pass before it.
  from: string;
  status: ReportShotStatus;
  error?: string;
  request_id?: string;
  cost: number;
  // Its output, relative to the report, when the cache has it; its poster when it is the finished clip.
  clip?: string;
  poster?: string;
  // With several takes (`storyreel retake` on a pass): each one, and the command that picks it.
  takes?: ReportTake[];
}

// The passes a planned shot runs, in order; none when it has none.
export function shotPasses(plan: Plan, shot: Shot, planned: PlannedShot): ShotPass[] {
  if (!planned.passes?.length) return [];
  const links = passChain(shot).links;
  const keyOf = (id: string) =>
    id === `shot:${planned.id}` ? planned.key : plan.steps.find((s) => s.id === id)?.key;
  return planned.passes.flatMap((id) => {
    const step = plan.steps.find((s) => s.id === id);
    const link = links.find((l) => l.id === id);
    if (!step || !link) return [];
    return [
      {
        step,
        kind: link.kind,
        pass: link.pass.name,
        endpoint: link.pass.endpoint,
        ...(link.height && { height: link.height.name }),
        from: keyOf(link.input) ?? planned.key,
      },
    ];
  });
}

export interface PassReportInput {
  plan: Plan;
  picked?: (id: string) => boolean;
  steps: StepOutcome[];
  sidecars: ReadonlyMap<string, ClipSidecar>;
  clip: (key: string) => string | undefined;
  poster: (key: string) => string | undefined;
}

// The report's `passes`, `finished` and `pass_notes` of one shot; nothing for a shot without passes.
export function reportPasses(
  passes: ShotPass[],
  planned: PlannedShot,
  r: PassReportInput,
): {
  passes?: ReportPass[];
  finished?: { key: string; clip?: string; poster?: string };
  pass_notes?: string[];
} {
  const notes = planned.pass_notes?.length ? { pass_notes: planned.pass_notes } : {};
  if (passes.length === 0 || planned.finished === undefined) return notes;
  const out = passes.map((p): ReportPass => {
    const outcome = r.steps.find((o) => o.id === p.step.id);
    const sidecar = r.sidecars.get(p.step.key);
    const done = outcome?.status === "extracted" ? "generated" : outcome?.status;
    const clip = sidecar && r.clip(p.step.key);
    const poster = sidecar && r.poster(p.step.key);
    return {
      id: p.step.id,
      kind: p.kind,
      label: labelOf(p.step),
      model: p.endpoint,
      pass: p.pass,
      ...(p.height && { height: p.height }),
      key: p.step.key,
      from: p.from,
      // A pass is planned as a shot's clip is: cached, made, a duplicate of another shot's, or left out.
      status: reportStatus(p.step.status as ShotStatus, done, sidecar !== undefined),
      ...(outcome?.error && { error: outcome.error }),
      ...(sidecar?.request_id && { request_id: sidecar.request_id }),
      cost: p.step.cost,
      ...(clip && { clip }),
      ...(poster && { poster }),
      ...(p.step.takes && { takes: passTakes(p.step, r) }),
    };
  });
  const last = out.at(-1)!;
  return {
    passes: out,
    finished: {
      key: planned.finished,
      ...(last.clip && { clip: last.clip }),
      ...(last.poster && { poster: last.poster }),
    },
    ...notes,
  };
}

function passTakes(step: PlannedStep, r: PassReportInput): ReportTake[] {
  return (step.takes ?? []).map((t) => {
    const made = r.sidecars.has(t.key);
    const clip = made && r.clip(t.key);
    const poster = made && r.poster(t.key);
    return {
      take: t.take,
      key: t.key,
      used: t.take === step.take,
      picked: t.take === step.take && r.picked?.(step.id) === true,
      ...(clip && { clip }),
      ...(poster && { poster }),
      pick: pickCommand(r.plan, step.id, t.take),
    };
  });
}
