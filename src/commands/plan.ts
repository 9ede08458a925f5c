// `storyreel plan <file...>`: what a render would generate, reuse and spend, without doing any of it.
import { onlyOption, parseCommand, providerOption, requireFiles } from "../cli/args.js";
import type { CliContext } from "../cli/context.js";
import { defaultCacheDir, readCacheIndex } from "../cache/layout.js";
import { UsageError } from "../errors.js";
import { formatPlan } from "../plan/format.js";
import { planRender } from "../plan/plan.js";
import type { Storyboard } from "../storyboard/types.js";
import { closest } from "../storyboard/suggest.js";
import { prepareStoryboards } from "./prepare.js";
import path from "node:path";

export const PLAN_USAGE = `Usage: storyreel plan <storyboard.yaml...> [--provider fal|preview] [--only id,id]
                      [--cache-dir DIR] [--json] [--allow-outside-images]

Shows per shot whether a render would generate it, reuse it from the cache, or reuse another
shot's identical clip, with the estimated cost and the new spending. Makes no requests.`;

export const PLAN_OPTIONS = {
  provider: { type: "string" },
  only: { type: "string" },
  "cache-dir": { type: "string" },
  json: { type: "boolean" },
  "allow-outside-images": { type: "boolean" },
} as const;

export async function planCommand(argv: string[], ctx: CliContext): Promise<void> {
  const { values, positionals } = parseCommand("plan", argv, PLAN_OPTIONS, PLAN_USAGE);
  if (values.help) return ctx.stdout(PLAN_USAGE);
  const files = requireFiles("plan", positionals, PLAN_USAGE);
  const boards = await prepareStoryboards(files, ctx.cwd, values["allow-outside-images"] === true);
  const cacheDir = typeof values["cache-dir"] === "string" ? path.resolve(ctx.cwd, values["cache-dir"]) : defaultCacheDir(ctx.env, ctx.cwd);
  const cache = await readCacheIndex(cacheDir);
  const only = onlyOption(values.only as string | undefined);
  const plans = boards.map((b) => planRender(b, cache, { provider: providerOption(values.provider as string | undefined, "fal"), ...(only && { only: checkOnly(b, only) }) }));
  if (values.json) ctx.stdout(JSON.stringify(plans.length === 1 ? plans[0] : plans, null, 2));
  else ctx.stdout(plans.map(formatPlan).join("\n\n"));
}

// --only names shots; a typo must not silently generate nothing.
export function checkOnly(board: Storyboard, only: Set<string>): Set<string> {
  const ids = board.shots.map((s) => s.id);
  const unknown = [...only].filter((id) => !ids.includes(id));
  if (unknown.length > 0) {
    const hints = unknown.map((id) => `"${id}"${closest(id, ids) ? ` (did you mean "${closest(id, ids)}"?)` : ""}`);
    throw new UsageError(`--only names shots that ${board.file} does not have: ${hints.join(", ")}; its shots are: ${ids.join(", ")}`);
  }
  return only;
}

