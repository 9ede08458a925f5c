// `storyreel plan <file...>`: what a render would generate, reuse and spend, without doing any of it.
import { onlyOption, parseCommand, providerOption, requireFiles } from "../cli/args.js";
import type { CliContext } from "../cli/context.js";
import { cachePaths, defaultCacheDir, readCacheIndex } from "../cache/layout.js";
import { previousKeyMaterials } from "../plan/previous.js";
import { formatPlan } from "../plan/format.js";
import { planRender } from "../plan/plan.js";
import { checkOnly, prepareStoryboards } from "./prepare.js";
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
  const cacheDir =
    typeof values["cache-dir"] === "string"
      ? path.resolve(ctx.cwd, values["cache-dir"])
      : defaultCacheDir(ctx.env, ctx.cwd);
  const cache = await readCacheIndex(cacheDir);
  const only = onlyOption(values.only as string | undefined);
  if (only) checkOnly(boards, only);
  const provider = providerOption(values.provider as string | undefined, "fal");
  const plans = await Promise.all(
    boards.map(async (b) =>
      planRender(b, cache, {
        provider,
        ...(only && { only }),
        previous: await previousKeyMaterials(path.resolve(ctx.cwd, b.output), cachePaths(cacheDir)),
      }),
    ),
  );
  if (values.json) ctx.stdout(JSON.stringify(plans.length === 1 ? plans[0] : plans, null, 2));
  else ctx.stdout(plans.map(formatPlan).join("\n\n"));
}
