// The registry of step kinds: everything that handles steps of every kind dispatches through it.
import type { ArtifactKind, StepKind, StepKindName } from "./kind.js";
import { clip } from "./kinds/clip.js";
import { edit } from "./kinds/edit.js";
import { frame } from "./kinds/frame.js";
import { music } from "./kinds/music.js";
import { still } from "./kinds/still.js";
import { voice } from "./kinds/voice.js";
import { lipsync } from "./kinds/lipsync.js";
import { upscale } from "./kinds/upscale.js";

// In the plan's order: stills and edits, frames, sounds, clips, then the passes that finish clips.
export const STEP_KINDS: readonly StepKind[] = [still, edit, frame, voice, music, clip, lipsync, upscale];

const byName = new Map<string, StepKind>(STEP_KINDS.map((k) => [k.name, k]));

export function kindOf(name: StepKindName | string): StepKind {
  const kind = byName.get(name);
  if (!kind) throw new Error(`bug: no step kind ${name}`);
  return kind;
}

// Whether a step's output is stored as this artifact ("still" for stills and edits, "sound" for voices and beds).
// A step read from a file (an older report, say) may name a kind this version does not have: it is none of these.
export function storedAs(step: { kind: string }, artifact: ArtifactKind): boolean {
  return byName.get(step.kind)?.artifact === artifact;
}

// The kind of the step an id names ("still:keeper" is a still's; an edit's ids look the same, and are stored alike).
export function kindOfId(id: string): StepKind | undefined {
  const prefix = id.slice(0, id.indexOf(":"));
  return STEP_KINDS.find((k) => k.prefix === prefix);
}

// A pass (lip-sync, upscale): a step that takes a shot's clip and gives the clip the film uses in its place.
export function isPass(step: { kind: string }): boolean {
  return byName.get(step.kind)?.finishes === true;
}

export function labelOf(step: { kind: string; name: string }): string {
  return kindOf(step.kind).label(step.name);
}
