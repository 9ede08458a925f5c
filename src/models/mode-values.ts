// A model file's own lists checked against its own schemas: every duration (in the form it is sent),
// resolution and aspect ratio a mode offers must be one fal's schema for that endpoint accepts.
import { modeSpec, modesOf } from "./modes.js";
import { payloadProblem } from "./payload-check.js";
import type { FamilyDoc, ModelSpec, ModeName, VideoFamily } from "./types.js";

export interface ValueProblem {
  at: string[];
  message: string;
}

export function modeValueProblems(doc: FamilyDoc): ValueProblem[] {
  const family = { ...doc, file: "", origin: "project" } as VideoFamily;
  const problems: ValueProblem[] = [];
  for (const mode of modesOf(family)) {
    const model = modeSpec(family, mode)!;
    // Without `required`, a payload of one field is checked for that field alone.
    const loose = { ...model, schema: { ...model.schema, required: [] } };
    const check = (
      field: string,
      key: keyof ModelSpec,
      values: readonly unknown[],
      form = (v: unknown) => v,
    ) => {
      const name = Object.entries(model.input).find(([, r]) => r.from === field)?.[0];
      if (!name) return;
      for (const value of values) {
        const problem = payloadProblem(loose, { [name]: form(value) });
        if (problem) {
          problems.push({
            at: ["modes", mode, key],
            message: `offers ${JSON.stringify(value)}, which its schema refuses: ${problem}`,
          });
          return;
        }
      }
    };
    const rule = Object.values(model.input).find((r) => r.from === "duration");
    check("duration", "durations", model.durations, (d) => sent(Number(d), rule?.as, model));
    check("resolution", "resolutions", model.resolutions ?? []);
    check("aspect_ratio", "aspect_ratios", model.aspect_ratios ?? []);
  }
  return problems;
}

function sent(seconds: number, form: string | undefined, model: ModelSpec): unknown {
  if (form === "string") return String(seconds);
  if (form === "seconds") return `${seconds}s`;
  if (form === "frames") return Math.round(seconds * (model.fps ?? 24)) + 1;
  return seconds;
}

export type { ModeName };
