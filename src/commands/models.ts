// `storyreel models [NAME] [--json]`: the video model families a storyboard in this folder would see (the
// shipped ones and the project's own), with their modes, limits, prices and sources.
import path from "node:path";
import { StoryboardError, UsageError } from "../errors.js";
import { findFamily, videoModels, type VideoModels } from "../models/registry.js";
import { shownPath } from "../paths.js";
import { unknownModel } from "../storyboard/shot-model.js";
import { modelsDirOf, parseCommand } from "./args.js";
import type { CliContext } from "./context.js";
import { familyFacts } from "./models-facts.js";
import { familyDetail, familyTable } from "./models-format.js";
import { allPassFacts, findPassFacts, passDetail, passTable } from "./models-passes.js";

export const MODELS_USAGE = `Usage: storyreel models [NAME] [--json]

Lists the video model families a storyboard in this folder can use: the ones storyreel ships and the
project's own (model files in models/ here, or in the folder $STORYREEL_MODELS names). Without NAME: a
table of families, their modes and the price of a 5 s shot. With NAME (an alias such as veo-3.1, or a fal
endpoint id): that family in full, every mode with its endpoint, durations, resolutions, aspect ratios,
audio, references, price rule and the price of a 5 s shot, and every source with the date it was read.
The finishing passes (lip-sync and upscale models) follow the table; NAME may name one of them.
--json prints the same as one JSON value (version 1) for scripts.`;

// The JSON's shape; a change to it that a script could notice raises this.
export const MODELS_JSON_VERSION = 1;

export async function modelsCommand(argv: string[], ctx: CliContext): Promise<void> {
  const { values, positionals } = parseCommand("models", argv, { json: { type: "boolean" } }, MODELS_USAGE);
  if (values.help) return ctx.stdout(MODELS_USAGE);
  if (positionals.length > 1)
    throw new UsageError(
      `storyreel models: name at most one model (got ${positionals.length})\n\n${MODELS_USAGE}`,
    );
  const models = projectModels(ctx);
  const name = positionals[0];
  const family = name === undefined ? undefined : findFamily(models, name);
  const pass = name !== undefined && !family ? findPassFacts(name) : undefined;
  if (name !== undefined && !family && !pass) throw new UsageError(unknownModel(name, models));
  if (pass) {
    if (values.json)
      return ctx.stdout(
        JSON.stringify({ version: MODELS_JSON_VERSION, families: [], passes: [pass] }, null, 2),
      );
    for (const line of passDetail(pass)) ctx.stdout(line);
    return;
  }
  const facts = (family ? [family] : models.families).map((f) => familyFacts(f, models, ctx.cwd));
  const passes = family ? [] : allPassFacts();
  if (values.json)
    return ctx.stdout(
      JSON.stringify({ version: MODELS_JSON_VERSION, families: facts, ...(!family && { passes }) }, null, 2),
    );
  for (const line of family ? familyDetail(facts[0]!) : [...familyTable(facts), ...passTable(passes)])
    ctx.stdout(line);
}

// The registry as validate sees it for a storyboard in the working folder; an invalid project file is refused
// with its file:line:col, as a storyboard would be.
function projectModels(ctx: CliContext): VideoModels {
  const own = modelsDirOf(ctx).modelsDir;
  const dirs = new Set([path.join(ctx.cwd, "models"), ...(own ? [path.resolve(ctx.cwd, own)] : [])]);
  const models = videoModels([...dirs]);
  if (models.problems.length > 0)
    throw new StoryboardError(models.problems.map((p) => ({ ...p, file: shownPath(ctx.cwd, p.file) })));
  return models;
}
