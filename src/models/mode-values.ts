// A model file's own lists checked against its own schemas and against each other: every duration (in the
// form it is sent), resolution and aspect ratio a mode offers must be one fal's schema for that endpoint
// accepts, its defaults among them, and what it offers must reach the request (or its price and key would
// follow a choice that is never sent).
import { inputFor } from "./input-rules.js";
import { inForm, LONGEST_RANGE, modeSpec, modesOf, takes } from "./modes.js";
import { payloadProblem } from "./payload-check.js";
import type { FamilyDoc, ModelSpec, ModeDoc, VideoFamily } from "./types.js";

export interface ValueProblem {
  at: string[];
  message: string;
}

export function modeValueProblems(doc: FamilyDoc): ValueProblem[] {
  const family = { ...doc, file: "", origin: "project" } as VideoFamily;
  const problems: ValueProblem[] = [];
  for (const mode of modesOf(family)) {
    const at = (key: string) => ["modes", mode, key];
    const own = doc.modes[mode]!;
    const listed = listProblem(own);
    if (listed) {
      problems.push({ at: at(listed.key), message: listed.message });
      continue;
    }
    const model = modeSpec(family, mode)!;
    try {
      problems.push(...offeredProblems(model).map((p) => ({ at: at(p.key), message: p.message })));
    } catch (err) {
      // ajv could not compile it: not a JSON schema it knows.
      problems.push({ at: at("schema"), message: `is not a valid JSON schema: ${(err as Error).message}` });
    }
  }
  return problems;
}

// What the file's own lists say against each other.
function listProblem(mode: ModeDoc): { key: string; message: string } | undefined {
  const d = mode.durations;
  if (!Array.isArray(d) && (d.max < d.min || d.max - d.min + 1 > LONGEST_RANGE))
    return {
      key: "durations",
      message: `must run from min up to max, at most ${LONGEST_RANGE} s (got ${d.min} to ${d.max})`,
    };
  const durations = Array.isArray(d) ? d : [d.min, d.max];
  if (
    mode.default_duration !== undefined &&
    !(Array.isArray(d)
      ? d.includes(mode.default_duration)
      : mode.default_duration >= d.min && mode.default_duration <= d.max)
  )
    return {
      key: "default_duration",
      message: `is ${mode.default_duration}, which durations (${durations.join(", ")}) does not offer`,
    };
  if (mode.default_resolution !== undefined && !(mode.resolutions ?? []).includes(mode.default_resolution))
    return {
      key: "default_resolution",
      message: `is ${mode.default_resolution}, which resolutions does not offer`,
    };
  const sends = (field: string) => takes(mode, field);
  if ((mode.resolutions?.length ?? 0) > 1 && !sends("resolution"))
    return {
      key: "resolutions",
      message:
        "offers a choice, but the input map sends no resolution: the price and the clip's key would follow a choice fal never sees",
    };
  if (mode.references && mode.references.min !== undefined && mode.references.min > mode.references.max)
    return {
      key: "references",
      message: `min ${mode.references.min} is more than max ${mode.references.max}`,
    };
  return undefined;
}

// Each offered value, sent alone, against the endpoint's schema (without `required`, one field is checked alone).
function offeredProblems(model: ModelSpec): Array<{ key: string; message: string }> {
  const loose = { ...model, schema: { ...model.schema, required: [] } };
  const problems: Array<{ key: string; message: string }> = [];
  const check = (field: string, key: string, values: readonly unknown[], form = (v: unknown) => v) => {
    const name = inputFor(model.input, field);
    if (!name) return;
    for (const value of values) {
      const problem = payloadProblem(loose, { [name]: form(value) });
      if (problem) {
        problems.push({
          key,
          message: `offers ${JSON.stringify(value)}, which its schema refuses: ${problem}`,
        });
        return;
      }
    }
  };
  const rule = model.input[inputFor(model.input, "duration") ?? ""];
  check("duration", "durations", model.durations, (d) => (rule?.as ? inForm(d, rule.as, model.fps) : d));
  check("resolution", "resolutions", model.resolutions ?? []);
  check("aspect_ratio", "aspect_ratios", model.aspect_ratios ?? []);
  return problems;
}
