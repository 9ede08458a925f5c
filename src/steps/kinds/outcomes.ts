// How a still, an edit, a frame or a sound ends: its outcome for the report, and what its dependants receive.
import type { PlannedStep } from "../../plan/steps.js";
import type { ImageRef } from "../../storyboard/types.js";
import type { Made, StepOutcome, StepRun } from "../kind.js";

type FileImage = Extract<ImageRef, { kind: "file" }>;

export function stepDone(
  step: PlannedStep,
  run: StepRun,
  status: StepOutcome["status"],
  image: FileImage | { path: string; image?: undefined },
  cost?: number,
): Made {
  run.outcome({
    id: step.id,
    kind: step.kind,
    name: step.name,
    key: step.key,
    status,
    file: image.path,
    ...(cost !== undefined && { cost }),
  });
  return "kind" in image ? { ok: true, image } : { ok: true, file: image.path };
}

export function stepFailed(
  step: PlannedStep,
  run: StepRun,
  status: "failed" | "skipped",
  why: string,
  reported = false,
  root?: string,
): Made {
  const label = run.labelOf(step);
  if (!reported && status === "failed") run.update(label, step.key, [], { state: "failed", error: why });
  run.outcome({ id: step.id, kind: step.kind, name: step.name, key: step.key, status, error: why });
  // A step blocked by another passes that one's name and reason on, not a chain of "blocked by".
  return root ? { ok: false, why, root } : { ok: false, why: short(why), root: label };
}

// A reason short enough to repeat on every step it blocks: its first line, at most 160 characters.
export function short(why: string): string {
  const line = why.split("\n")[0]!;
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}

export function fileImage(
  source: string,
  file: string,
  s: { sha256: string; bytes: number; format: "png" | "jpeg" | "webp"; width: number; height: number },
): FileImage {
  return {
    kind: "file",
    source,
    path: file,
    sha256: s.sha256,
    bytes: s.bytes,
    format: s.format,
    width: s.width,
    height: s.height,
  };
}

// "blocked by still keeper (why)", or the reason as it came when it already names what blocked it.
export function blockedText(blocked: Extract<Made, { ok: false }>): string {
  return blocked.why.startsWith("blocked by ") ? blocked.why : `blocked by ${blocked.root} (${blocked.why})`;
}
