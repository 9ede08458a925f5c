// `storyreel plan <file...>`: what a render would generate, reuse and spend, without doing any of it.
import { resolveCacheDir } from "../cache/layout.js";
import { formatPlan } from "../plan/format.js";
import { planStoryboards } from "../pipeline/index.js";
import { onlyOption, parseCommand, providerOption, requireFiles } from "./args.js";
import type { CliContext } from "./context.js";
import { inRemote, missingEntries } from "../pipeline/remote.js";
import { dollars, roundCents, sumCosts } from "../util/money.js";
import { count } from "../util/words.js";
import { remoteChoice } from "./remote-options.js";

export const PLAN_USAGE = `Usage: storyreel plan <storyboard.yaml...> [--provider fal|preview] [--only id,id]
                      [--cache-dir DIR] [--json] [--allow-outside-images]

Shows per shot whether a render would generate it, reuse it from the cache, or reuse another
shot's identical clip, with the estimated cost and the new spending. Makes no requests, except with a
remote cache (--remote-cache or $STORYREEL_REMOTE_CACHE): then it asks the bucket which of the steps to
make it already holds (a render fetches those instead of paying for them).`;

export const PLAN_OPTIONS = {
  provider: { type: "string" },
  only: { type: "string" },
  "cache-dir": { type: "string" },
  json: { type: "boolean" },
  "allow-outside-images": { type: "boolean" },
  "remote-cache": { type: "string" },
  "remote-cache-readonly": { type: "boolean" },
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
  const choice = remoteChoice(values, ctx.env);
  const remote = choice && (await inRemote(films, choice));
  // Each plan with what the bucket holds of it: `remote` in the JSON, a closing line in the table.
  const shown = films.map((f) => {
    if (!remote) return { plan: f.plan, text: formatPlan(f.plan) };
    const mine = new Set(missingEntries([f]).map((m) => m.key));
    const steps = remote.steps.filter((e) => mine.has(e.key));
    const saved = sumCosts(steps.filter((e) => e.paid).map((e) => e.cost));
    const summary = {
      location: remote.location,
      steps: steps.map((e) => ({ step: e.step, key: e.key })),
      new_after_remote: roundCents(Math.max(0, f.plan.cost.new - saved)),
    };
    const wanted = mine.size;
    const line =
      wanted === 0
        ? ""
        : steps.length === 0
          ? `\nRemote cache ${remote.location}: none of the ${count(wanted, "step")} to make is there yet`
          : `\nRemote cache ${remote.location}: ${steps.length} of the ${count(wanted, "step")} to make ${steps.length === 1 ? "is" : "are"} there (${steps.map((e) => e.step).join(", ")}); a render fetches ${steps.length === 1 ? "it" : "them"}, so its new spending would be ${dollars(summary.new_after_remote)}`;
    return { plan: { ...f.plan, remote: summary }, text: `${formatPlan(f.plan)}${line}` };
  });
  const plans = shown.map((p) => p.plan);
  if (values.json) ctx.stdout(JSON.stringify(plans.length === 1 ? plans[0] : plans, null, 2));
  else ctx.stdout(shown.map((p) => p.text).join("\n\n"));
}
