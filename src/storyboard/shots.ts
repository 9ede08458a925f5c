// Semantic checks on each shot (ids, images, prompt, duration, transition, trim), tolerant of data the schema already rejected.
import { defaultDuration } from "../models/modes.js";
import type { ModelSpec } from "../models/types.js";
import type { ImageContext } from "./images.js";
import { imageField } from "./image-field.js";
import { referencesOf } from "./shot-references.js";
import { sentPrompt } from "./model-input.js";
import type { Shot, ShotDoc, StoryboardDoc, TransitionType } from "./types.js";
import { isObject, type Report } from "./report-problem.js";
import { shotModel, type ModelContext } from "./shot-model.js";
import {
  allowedDuration,
  checkAspect,
  checkAudio,
  checkModelFile,
  checkReferenceCount,
  checkReferenceNames,
  checkResolution,
  inheritedDuration,
} from "./shot-checks.js";

const DEFAULT_TRANSITION_SECONDS = 0.5;
// Trims and transitions are counted in frames at `render.fps`, else at 24 fps (most models' and the previews').
const CLIP_FPS = 24;

export interface ShotContext extends ImageContext {
  models: ModelContext;
  stillNames: readonly string[];
}

export async function checkShots(
  doc: Partial<StoryboardDoc>,
  ctx: ShotContext,
  outer: Report,
): Promise<Shot[]> {
  if (!Array.isArray(doc.shots)) return [];
  const defaults = isObject(doc.defaults) ? doc.defaults : {};
  const fps = isObject(doc.render) && typeof doc.render.fps === "number" ? doc.render.fps : CLIP_FPS;
  const renderResolution = isObject(doc.render) ? doc.render.resolution : undefined;
  const seen = new Map<string, number>();
  const shots: Shot[] = [];
  for (const [index, raw] of doc.shots.entries()) {
    if (!isObject(raw)) continue;
    const s = raw as Partial<ShotDoc>;
    // The model file's own checks run only on a shot that is otherwise right.
    let wrong = false;
    const report: Report = (...args) => {
      wrong = true;
      outer(...args);
    };
    const at = (field: string) => ["shots", index, field];
    if (typeof s.id === "string") {
      const first = seen.get(s.id);
      if (first !== undefined) report(at("id"), `duplicate id "${s.id}" (already used by shots[${first}])`);
      else seen.set(s.id, index);
    }
    const model = shotModel(s, index, ctx.models, report);
    if (!model) continue;
    const shotAt = typeof s.model === "string" ? at("model") : ["shots", index];
    const imageCtx = { ...ctx, model };
    const image = await imageField(s.image, imageCtx, at("image"), report);
    const endImage = await imageField(s.end_image, imageCtx, at("end_image"), report);
    const references = Array.isArray(s.references)
      ? await referencesOf(s.references, imageCtx, at("references"), report)
      : undefined;
    if (references) checkReferenceCount(s.references!, model, at("references"), report);
    if (typeof s.prompt === "string") {
      checkPrompt(s.prompt, model, at("prompt"), report);
      // A reference that did not resolve was reported; its @name would only be reported again.
      if (!references || references.length === s.references!.length)
        checkReferenceNames(s.prompt, references, ctx.stillNames, at("prompt"), report);
      if (references)
        checkSentPrompt(
          sentPrompt({ prompt: s.prompt, references, model }),
          s.prompt,
          model,
          at("prompt"),
          report,
        );
    }
    const own = allowedDuration(s.duration, model, at("duration"), report);
    const inherited =
      typeof defaults.duration === "number" && s.duration === undefined ? defaults.duration : undefined;
    const duration =
      own ??
      (s.duration === undefined
        ? inheritedDuration(
            inherited,
            model,
            typeof s.model === "string" ? shotAt : ["defaults", "duration"],
            report,
          )
        : defaultDuration(model));
    const resolution = checkResolution(s.resolution, model, at("resolution"), report);
    const aspectRatio = checkAspect(model, renderResolution, shotAt, report);
    const trim = checkTrim(s.trim, duration, fps, at("trim"), report);
    const negativePrompt = s.negative_prompt ?? defaults.negative_prompt ?? model.default_negative_prompt;
    const shot: Shot = {
      // A missing or malformed id (reported by the schema) is named by its place, never "[object Object]".
      id: typeof s.id === "string" ? s.id : `shots[${index}]`,
      index,
      model,
      ...(image && { image }),
      ...(endImage && { endImage }),
      ...(references && { references }),
      prompt: String(s.prompt),
      duration,
      audio: checkAudio(s.audio, defaults.audio, model, at, shotAt, report),
      ...(negativePrompt !== undefined && { negativePrompt }),
      ...(resolution && { resolution }),
      ...(aspectRatio && { aspectRatio }),
      transition: transitionOf(s.transition),
      ...(trim && { trim }),
      takes: typeof s.takes === "number" ? s.takes : 1,
    };
    if (typeof s.prompt === "string" && !wrong) checkModelFile(shot, shotAt, report);
    shots.push(shot);
  }
  checkTransitions(shots, fps, outer);
  return shots;
}

// Seconds of a shot that make it into the film.
export function keptSeconds(shot: Pick<Shot, "duration" | "trim">): number {
  return shot.trim ? shot.trim.end - shot.trim.start : shot.duration;
}

// A prompt's @names become the model's tags (@Image1), which may make it longer than the model takes.
function checkSentPrompt(
  sent: string,
  written: string,
  model: ModelSpec,
  at: (string | number)[],
  report: Report,
): void {
  const length = [...sent].length;
  if (length > model.prompt_max_chars && [...written].length <= model.prompt_max_chars)
    report(
      at,
      `is ${length} characters as sent (its @names become ${model.family}'s tags); ${model.name} accepts at most ${model.prompt_max_chars}`,
    );
}

function checkPrompt(prompt: string, model: ModelSpec, at: (string | number)[], report: Report): void {
  if (prompt.trim() === "") report(at, "must not be empty: describe what happens in the shot");
  else if ([...prompt].length > model.prompt_max_chars) {
    report(
      at,
      `is ${[...prompt].length} characters; ${model.name} accepts at most ${model.prompt_max_chars}`,
    );
  }
}

function checkTrim(
  trim: ShotDoc["trim"],
  duration: number,
  fps: number,
  at: (string | number)[],
  report: Report,
) {
  if (!isObject(trim)) return undefined;
  const start = typeof trim.start === "number" ? trim.start : 0;
  const end = typeof trim.end === "number" ? trim.end : duration;
  if (start >= duration)
    report([...at, "start"], `must be less than the clip's duration of ${duration} s (got ${start})`);
  else if (end > duration)
    report([...at, "end"], `must be at most the clip's duration of ${duration} s (got ${end})`);
  else if (end <= start) report([...at, "end"], `must be greater than trim.start ${start} (got ${end})`);
  else if (end - start < 1 / fps)
    report(at, `keeps ${seconds(end - start)} s of the clip, less than one frame (${frame(fps)})`);
  else if (start > 0 && start < 1 / fps)
    report(
      [...at, "start"],
      `cuts ${seconds(start)} s, less than one frame (${frame(fps)}): use 0 or at least one frame`,
    );
  else if (end < duration && duration - end < 1 / fps)
    report(
      [...at, "end"],
      `cuts ${seconds(duration - end)} s, less than one frame (${frame(fps)}): leave it out or cut at least one frame`,
    );
  else return { start, end };
  return undefined;
}

function transitionOf(t: ShotDoc["transition"]): Shot["transition"] {
  const type: TransitionType = isObject(t) && typeof t.type === "string" ? t.type : "cut";
  const duration =
    isObject(t) && typeof t.duration === "number"
      ? t.duration
      : type === "cut"
        ? 0
        : DEFAULT_TRANSITION_SECONDS;
  return { type, duration };
}

// A transition overlaps two clips, so each clip must outlast the transitions into and out of it.
function checkTransitions(shots: Shot[], fps: number, report: Report): void {
  const overlapIn = (k: number) =>
    shots[k] && shots[k].transition.type !== "cut" ? shots[k].transition.duration : 0;
  for (const [i, shot] of shots.entries()) {
    const { type, duration } = shot.transition;
    const at = ["shots", shot.index, "transition"];
    if (type === "cut") {
      if (duration > 0)
        report([...at, "duration"], "a cut has no duration; use crossfade or fade for a timed transition");
      continue;
    }
    if (i === 0) {
      report([...at, "type"], `the first shot has no shot before it to ${type} from; use cut`);
      continue;
    }
    if (duration < 1 / fps) {
      report(
        [...at, "duration"],
        `${duration} s is shorter than one frame (${frame(fps)}); use cut, or at least one frame`,
      );
      continue;
    }
    for (const k of [i - 1, i]) {
      const clip = shots[k]!;
      const used = overlapIn(k) + overlapIn(k + 1);
      if (used >= keptSeconds(clip)) {
        report(
          [...at, "duration"],
          `${duration} s is too long: shot "${clip.id}" keeps ${seconds(keptSeconds(clip))} s and its transitions would take ${seconds(used)} s of it`,
        );
        break;
      }
    }
  }
}

// Seconds as people read them: 0.2, not 0.20000000000000018.
function seconds(s: number): number {
  return Number(s.toFixed(3));
}

function frame(fps: number): string {
  return `1/${fps} s at ${fps} fps`;
}
