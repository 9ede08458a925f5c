// Validate stage: schema + semantic checks, all problems at once; on success, the resolved Storyboard.
import { realpath } from "node:fs/promises";
import path from "node:path";
import { StoryboardError, type Problem } from "../errors.js";
import { ifMissing } from "../util/fs.js";
import { isInside } from "../paths.js";
import { DEFAULT_MODEL, findFamily, videoModels, type VideoModels } from "../models/registry.js";
import { modeSpec, modesOf } from "../models/modes.js";
import type { ModelSpec, VideoFamily } from "../models/types.js";
import { unknownModel, type ModelContext } from "./shot-model.js";
import type { LoadedStoryboard } from "./load.js";
import { describePath, positionOf, positionOfText, type DataPath } from "./positions.js";
import { isObject, type Report } from "./report-problem.js";
import { schemaProblems } from "./schema-check.js";
import { shown } from "../util/suggest.js";
import { checkGraph, checkStillsFit } from "./graph-check.js";
import { checkShots } from "./shots.js";
import { checkResolution } from "./sizes.js";
import { checkStills } from "./stills.js";
import { checkMusic, checkShotWords } from "./sound.js";
import { checkLipsyncs } from "./pass-checks.js";
import { resolvePasses } from "./passes.js";
import type { Music, Shot, Still, Storyboard, StoryboardDoc } from "./types.js";

export interface ValidateOptions {
  allowOutsideImages?: boolean;
  // A folder of the project's own model files besides models/ next to the storyboard (STORYREEL_MODELS).
  modelsDir?: string;
}

export async function validateStoryboard(
  loaded: LoadedStoryboard,
  options: ValidateOptions = {},
): Promise<Storyboard> {
  const problems: Problem[] = schemaProblems(loaded);
  const infinite = nonFinitePaths(loaded.data);
  const report: Report = (at, message, key, text, nth) => {
    const where = key === undefined ? at : [...at, key];
    // The schema has said a value is .inf or .nan; "must be 5 or 10 (got Infinity)" would only repeat it.
    if (infinite.has(describePath(where))) return;
    const pos = text === undefined ? positionOf(loaded, at, key) : positionOfText(loaded, at, text, nth);
    problems.push({ file: loaded.file, line: pos.line, col: pos.col, path: describePath(where), message });
  };
  const doc = (isObject(loaded.data) ? loaded.data : {}) as Partial<StoryboardDoc>;
  const dir = path.dirname(loaded.path);
  const models = videoModels([path.join(dir, "models"), ...(options.modelsDir ? [options.modelsDir] : [])]);
  // A project's model file is named as the storyboard is: relative to where the user named it from.
  const shownFile = (file: string) =>
    isInside(dir, file) ? path.join(path.dirname(loaded.file), path.relative(dir, file)) : file;
  problems.push(...models.problems.map((p) => ({ ...p, file: shownFile(p.file) })));
  const { model, context } = checkModel(doc, models, report);
  checkOutput(doc, report);
  checkResolution(doc, report);
  const realDir = await realpath(dir).catch(ifMissing(dir));
  const stillNames = isObject(doc.stills)
    ? Object.keys(doc.stills)
    : doc.stills === undefined
      ? []
      : undefined;
  const ctx = {
    dir,
    realDir,
    allowOutside: options.allowOutsideImages ?? false,
    model: model!,
    memo: new Map(),
    models: context,
    stillNames: stillNames ?? [],
  };
  const stills = model ? await checkStills(doc, ctx, report) : [];
  const shots = model ? await checkShots(doc, ctx, report) : [];
  checkShotWords(doc, shots, report);
  // After the voice-overs: a lip-sync lays one onto its clip.
  const upscale = resolvePasses(doc, shots, report);
  checkLipsyncs(doc, shots, report);
  const music = await checkMusic(doc, ctx, report);
  const written = Array.isArray(doc.shots)
    ? doc.shots.flatMap((s) => (isObject(s) && typeof s.id === "string" ? [s.id] : []))
    : [];
  if (model) checkGraph(stills, stillNames, shots, report, written);
  checkStillsFit(stills, shots, report);
  if (problems.length > 0) throw new StoryboardError(dedupe(problems));
  const board = resolved(loaded, doc as StoryboardDoc, model!, stills, shots, music, upscale);
  return models.shadowed.length > 0 ? { ...board, shadowed: models.shadowed } : board;
}

function resolved(
  loaded: LoadedStoryboard,
  doc: StoryboardDoc,
  model: ModelSpec,
  stills: Still[],
  shots: Shot[],
  music: Music | undefined,
  upscale: string | undefined,
): Storyboard {
  const name = path.basename(loaded.path).replace(/\.ya?ml$/i, "");
  return {
    file: loaded.file,
    path: loaded.path,
    dir: path.dirname(loaded.path),
    name,
    ...(doc.title !== undefined && { title: doc.title }),
    output: doc.output ?? `out/${name}.mp4`,
    model,
    render: {
      ...(doc.render?.concurrency !== undefined && { concurrency: doc.render.concurrency }),
      ...(doc.render?.timeout_minutes !== undefined && { timeoutMinutes: doc.render.timeout_minutes }),
      ...(doc.render?.resolution !== undefined && {
        resolution: doc.render.resolution.split("x").map(Number) as [number, number],
      }),
      ...(doc.render?.fps !== undefined && { fps: doc.render.fps }),
      ...(doc.render?.loudness !== undefined && { loudness: doc.render.loudness }),
      ...(doc.render?.budget !== undefined && { budget: doc.render.budget }),
      ...(doc.render?.captions !== undefined && { captions: doc.render.captions }),
      ...(upscale !== undefined && { upscale }),
    },
    stills,
    ...(music && { music }),
    shots,
  };
}

// The storyboard's model (defaults.model, or the older top-level model): shots use it unless they name their
// own. Its image-to-video mode (or first mode) sets the limits a still must meet to feed a clip.
function checkModel(
  doc: Partial<StoryboardDoc>,
  models: VideoModels,
  report: Report,
): { model: ModelSpec | undefined; context: ModelContext } {
  const defaults = isObject(doc.defaults) ? doc.defaults : {};
  const at =
    typeof defaults.model === "string"
      ? ["defaults", "model"]
      : typeof doc.model === "string"
        ? ["model"]
        : undefined;
  const name =
    typeof defaults.model === "string"
      ? defaults.model
      : typeof doc.model === "string"
        ? doc.model
        : DEFAULT_MODEL;
  const family = findFamily(models, name);
  if (!family && at && name !== "") report(at, unknownModel(name, models));
  if (typeof defaults.model === "string" && typeof doc.model === "string" && doc.model !== defaults.model)
    report(
      ["model"],
      `says ${doc.model}, and defaults.model says ${defaults.model}: give the storyboard's model once, as defaults.model`,
    );
  const limitsFrom = (f: VideoFamily) => modeSpec(f, "image-to-video") ?? modeSpec(f, modesOf(f)[0]!)!;
  return { model: family ? limitsFrom(family) : undefined, context: { models, name, ...(at && { at }) } };
}

// The film must land inside the project: a storyboard from git must not write over files elsewhere.
function checkOutput(doc: Partial<StoryboardDoc>, report: Report): void {
  if (typeof doc.output !== "string") return;
  const normal = path.posix.normalize(doc.output.replace(/\\/g, "/"));
  if (path.isAbsolute(doc.output) || normal.startsWith("../") || normal === "..") {
    report(
      ["output"],
      `must be a relative path inside the project, e.g. out/film.mp4 (got ${shown(doc.output)})`,
    );
  }
}

// Where the data holds .inf or .nan (as shots[0].duration), which no field takes.
function nonFinitePaths(data: unknown, at: DataPath = [], found = new Set<string>()): Set<string> {
  if (typeof data === "number" && !Number.isFinite(data)) found.add(describePath(at));
  else if (Array.isArray(data)) for (const [i, v] of data.entries()) nonFinitePaths(v, [...at, i], found);
  else if (isObject(data)) for (const [k, v] of Object.entries(data)) nonFinitePaths(v, [...at, k], found);
  return found;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const k = `${p.line}:${p.col}:${p.path}:${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return unique.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}
