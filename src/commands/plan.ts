// `storyreel plan <file...>`: what a render would generate, reuse and spend, without doing any of it.
import { resolveCacheDir } from "../cache/layout.js";
import { formatPlan } from "../plan/format.js";
import { planStoryboards } from "../pipeline/index.js";
import { onlyOption, parseCommand, providerOption, requireFiles } from "./args.js";
import type { CliContext } from "./context.js";

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
  const only = onlyOption(values.only as string | undefined);
  const { films } = await planStoryboards({
    files: requireFiles("plan", positionals, PLAN_USAGE),
    cwd: ctx.cwd,
    provider: providerOption(values.provider as string | undefined, "fal"),
    cacheDir: resolveCacheDir(values["cache-dir"] as string | undefined, ctx.env, ctx.cwd),
    allowOutsideImages: values["allow-outside-images"] === true,
    ...(only && { only }),
  });
  const plans = films.map((f) => f.plan);
  if (values.json) ctx.stdout(JSON.stringify(plans.length === 1 ? plans[0] : plans, null, 2));
  else ctx.stdout(plans.map(formatPlan).join("\n\n"));
}
