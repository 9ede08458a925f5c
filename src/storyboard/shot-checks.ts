// A shot checked against its model: duration, resolution, aspect ratio, audio, prompt, references and their
// `@name`s, its price, and the payload itself against the endpoint's schema as fal publishes it.
import { defaultDuration, durationsText, orList, sameShape, takes } from "../models/modes.js";
import { payloadProblem, shippedPayloadProblem } from "../models/payload-check.js";
import { clipFacts, clipPrice } from "../models/price.js";
import type { ModelSpec } from "../models/types.js";
import { modelInput, referenceMentions } from "./model-input.js";
import type { DataPath } from "./positions.js";
import type { Report } from "./report-problem.js";
import { aspectFor, filmAspect } from "./shot-model.js";
import type { Reference, Shot } from "./types.js";

type At = (field: string) => DataPath;

export function allowedDuration(
  value: unknown,
  model: ModelSpec,
  at: DataPath,
  report: Report,
): number | undefined {
  if (typeof value !== "number") return undefined;
  if (model.durations.includes(value)) return value;
  const allowed = durationsText(model.durations);
  report(at, `must be ${allowed} (got ${value}); ${model.family} makes ${allowed} s`);
  return undefined;
}

// A duration from defaults.duration that the shot's own model cannot make.
export function inheritedDuration(
  inherited: number | undefined,
  model: ModelSpec,
  at: DataPath,
  report: Report,
): number {
  if (inherited === undefined || model.durations.includes(inherited))
    return inherited ?? defaultDuration(model);
  const allowed = durationsText(model.durations);
  report(
    at,
    at.at(-1) === "duration"
      ? `must be ${allowed} (got ${inherited}); ${model.family} makes ${allowed} s`
      : `takes defaults.duration ${inherited} s, but ${model.family} makes ${allowed} s: give this shot its own duration`,
  );
  return defaultDuration(model);
}

export function checkResolution(
  value: unknown,
  model: ModelSpec,
  at: DataPath,
  report: Report,
): string | undefined {
  if (typeof value !== "string") return undefined;
  const offered = model.resolutions ?? [];
  if (offered.includes(value)) return value;
  const made = offered[0] ?? Object.keys(model.sizes ?? {})[0];
  report(
    at,
    offered.length > 1
      ? `must be ${orList(offered)} (got ${value}); ${model.family} ${model.mode} offers ${orList(offered)}`
      : `${model.family} ${model.mode} has no choice of resolution${made ? ` (it makes ${made})` : ""}: leave resolution out`,
  );
  return undefined;
}

export function checkAudio(
  own: unknown,
  inherited: unknown,
  model: ModelSpec,
  at: At,
  shotAt: DataPath,
  report: Report,
): boolean {
  if (model.audio === "always") {
    if (own === false)
      report(
        at("audio"),
        `${model.family} always makes sound: leave audio out, or choose a model that can make silent clips`,
      );
    else if (own === undefined && inherited === false)
      report(
        shotAt,
        `defaults.audio is false, but ${model.family} always makes sound: set audio: true on this shot, or choose another model`,
      );
    return true;
  }
  if (model.audio === "never") {
    if (own === true)
      report(
        at("audio"),
        `${model.family} makes silent clips: leave audio out, or choose a model with sound`,
      );
    return false;
  }
  return typeof own === "boolean" ? own : typeof inherited === "boolean" ? inherited : true;
}

export function checkAspect(
  model: ModelSpec,
  renderResolution: unknown,
  shotAt: DataPath,
  report: Report,
): string | undefined {
  const film = filmAspect(renderResolution);
  if (!takes(model, "aspect_ratio")) {
    // A mode with no start image and no aspect ratio to ask for makes one shape (Hailuo: 16:9).
    const fixed = Object.values(model.sizes ?? {})[0];
    const ratio = fixed ? fixed[0] / fixed[1] : 16 / 9;
    const drawn =
      model.mode === "text-to-video" || (model.mode === "reference-to-video" && !takes(model, "image"));
    if (drawn && !sameShape(ratio, film.ratio))
      report(
        shotAt,
        `${model.family} ${model.mode} makes ${fixed ? `${fixed[0]}x${fixed[1]}` : "16:9"} clips only, and the film is ${film.text} (render.resolution): choose another model or resolution`,
      );
    return undefined;
  }
  const ratio = aspectFor(model, film);
  if (!ratio)
    report(
      shotAt,
      `${model.family} ${model.mode} makes ${orList(model.aspect_ratios ?? [])} clips, and the film is ${film.text} (render.resolution): choose another model or resolution`,
    );
  return ratio;
}

export function checkReferenceCount(
  refs: readonly unknown[],
  model: ModelSpec,
  at: DataPath,
  report: Report,
): void {
  const limit = model.references;
  // An empty list was reported by the schema.
  if (!limit || refs.length === 0) return;
  if (refs.length > limit.max)
    report(at, `${model.family} takes at most ${limit.max} references (got ${refs.length})`);
  else if (limit.min && refs.length < limit.min)
    report(
      at,
      `${model.family} needs at least ${limit.min} reference${limit.min === 1 ? "" : "s"} (got ${refs.length})`,
    );
}

// Every `@name` in the prompt must be one of the shot's references; a shot without references may still say
// `@` (an e-mail, a handle), unless it names a still, which only references can bring in.
export function checkReferenceNames(
  prompt: string,
  refs: readonly Reference[] | undefined,
  stillNames: readonly string[],
  at: DataPath,
  report: Report,
): void {
  const names = (refs ?? []).map((r) => r.name);
  // A still's name after @ in a shot without references is a cast member it forgot to bring in.
  for (const mention of referenceMentions(prompt, refs ? names : stillNames)) {
    if (mention.known === !!refs) continue;
    const { name, index } = mention;
    // The position of this very mention, though the same text may come earlier in the prompt.
    const nth = prompt.slice(0, index).split(`@${name}`).length - 1;
    const message = refs
      ? `@${name} (character ${index + 1}) is not among the shot's references (${names.map((n) => `@${n}`).join(", ")})`
      : `@${name} (character ${index + 1}) names still "${name}", but the shot has no references: add references: [${name}]`;
    report(at, message, undefined, `@${name}`, nth);
  }
}

// The shot has a price under its model's rule, and its payload (images as placeholder URLs) passes the
// endpoint's schema: both are bugs in a model file when they fail, found before anything is paid.
export function checkModelFile(shot: Shot, at: DataPath, report: Report): void {
  const model = shot.model;
  if (clipPrice(model.price, clipFacts(model, shot)) === undefined)
    report(
      at,
      `${model.file} has no price rule for this shot (${model.mode}, ${shot.duration} s, audio ${shot.audio ? "on" : "off"}${shot.resolution ? `, ${shot.resolution}` : ""}): fix the model file`,
    );
  const payload = modelInput(model, shot, () => "https://storyreel.invalid/image.png");
  const problem =
    model.origin === "project" ? payloadProblem(model, payload) : shippedPayloadProblem(model, payload);
  if (problem)
    report(
      at,
      `the request for ${model.endpoint} would not match fal's schema in ${model.file}: ${problem}. This is a bug in the model file; nothing was sent`,
    );
}
