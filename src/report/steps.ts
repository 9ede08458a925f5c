// The report's graph: every still, frame and sound with its status, cost and edges (what it uses, what uses it).
import type { StepOutcome } from "../steps/executor.js";
import type { Plan } from "../plan/plan.js";
import type { StepKindName } from "../steps/kind.js";
import { storedAs } from "../steps/registry.js";
import type { Storyboard } from "../storyboard/types.js";

export interface ReportStep {
  id: string;
  kind: StepKindName;
  name: string;
  key: string;
  // What this render did with it; "not_needed" when nothing that uses it had to be made.
  status: "generated" | "cached" | "extracted" | "failed" | "skipped" | "not_needed";
  cost: number;
  error?: string;
  prompt?: string;
  // The image, relative to the report.
  image?: string;
  // A voice-over's or bed's audio, relative to the report.
  audio?: string;
  // For an edit: every reference, stills by name and files as written.
  references?: string[];
  uses: string[];
  used_by: string[];
  // A still with several takes: each one, its image when made, and the command that picks it.
  takes?: ReportStepTake[];
}

// A take of a shot's clip or of a pass: its clip and poster when made, and the command that picks it.
export interface ReportTake {
  take: number;
  key: string;
  used: boolean;
  picked: boolean;
  clip?: string;
  poster?: string;
  pick: string;
}

export interface ReportStepTake {
  take: number;
  key: string;
  used: boolean;
  picked: boolean;
  image?: string;
  pick: string;
}

export function reportSteps(
  plan: Plan,
  board: Storyboard,
  outcomes: StepOutcome[],
  cachedImage: (step: { id: string; key: string }) => string | undefined,
  picked?: (id: string) => boolean,
): ReportStep[] {
  const byId = new Map(outcomes.map((o) => [o.id, o]));
  return plan.steps.map((s) => {
    const outcome = byId.get(s.id);
    const still = storedAs(s, "still") ? board.stills.find((b) => b.name === s.name) : undefined;
    const image = outcome?.file ?? cachedImage(s);
    const status: ReportStep["status"] = outcome
      ? outcome.status
      : s.status === "cached"
        ? "cached"
        : s.status === "duplicate"
          ? "cached"
          : "not_needed";
    return {
      id: s.id,
      kind: s.kind,
      name: s.name,
      key: s.key,
      // A pass is stored as a clip but, unlike a shot's clip, has its own outcome here.
      status: storedAs(s, "clip") && !outcome ? clipStatus(s.status) : status,
      cost: s.cost,
      ...(outcome?.error && { error: outcome.error }),
      ...(still && { prompt: still.prompt }),
      ...(still?.references.length && { references: still.references.map((r) => r.source) }),
      ...(image && (storedAs(s, "sound") ? { audio: image } : !storedAs(s, "clip") && { image })),
      uses: plan.edges.filter((e) => e.to === s.id).map((e) => e.from),
      used_by: plan.edges.filter((e) => e.from === s.id).map((e) => e.to),
      ...(s.takes && {
        takes: s.takes.map((t) => {
          const image = cachedImage({ id: s.id, key: t.key });
          return {
            take: t.take,
            key: t.key,
            used: t.take === s.take,
            picked: t.take === s.take && picked?.(s.id) === true,
            ...(image && { image }),
            // A still by its name, a pass by its id ("lipsync:warning").
            pick: pickCommand(plan, storedAs(s, "still") ? s.name : s.id, t.take),
          };
        }),
      }),
    };
  });
}

// Clips are reported in full under `shots`; here they only place the graph's edges.
function clipStatus(status: string): ReportStep["status"] {
  return status === "cached" ? "cached" : status === "skipped" ? "skipped" : "generated";
}

// The command that makes a take the one used: a shot by its id, a still by its name, a pass by its step id.
export function pickCommand(plan: Pick<Plan, "storyboard" | "provider">, name: string, take: number): string {
  return `storyreel pick ${plan.storyboard} ${name} ${take}${plan.provider === "preview" ? " --provider preview" : ""}`;
}
