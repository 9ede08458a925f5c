// `storyreel plan <file...>`: what a render would generate, reuse and spend, without doing any of it.
import { formatPlan } from "./plan-format.js";
import { planStoryboards } from "../pipeline/index.js";
import {
  modelsDirOf,
  noteOtherCaches,
  onlyOption,
  parseCommand,
  providerOption,
  requireFiles,
} from "./args.js";
import type { CliContext } from "./context.js";
import { RunError } from "../errors.js";
import { connectRemote, inRemote, missingEntries } from "../pipeline/remote.js";
import type { ObjectStore } from "../cache/remote/object-store.js";
import { budgetLine, budgetStatus } from "../pipeline/budget.js";
import type { PlannedFilm } from "../pipeline/plans.js";
import { type CachePaths, cachePaths, resolveCacheDir } from "../cache/layout.js";
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
  const { films, request } = await planStoryboards({
    files: requireFiles("plan", positionals, PLAN_USAGE),
    cwd: ctx.cwd,
    provider: providerOption(values.provider as string | undefined, "fal"),
    cacheDir: resolveCacheDir(values["cache-dir"] as string | undefined, ctx.env, ctx.cwd),
    allowOutsideImages: values["allow-outside-images"] === true,
    ...modelsDirOf(ctx),
    ...(only && { only }),
  });
  noteOtherCaches(films, request.cacheDir, argv, ctx);
  const choice = remoteChoice(values, ctx.env);
  // One connection (and one probe of the bucket) serves both questions.
  const store = choice && (await connectRemote(choice));
  const remote = store && (await inRemote(films, store));
  const budgets = await filmBudgets(films, cachePaths(request.cacheDir), store, choice?.readonly);
  // Each plan with what the bucket holds of it: `remote` in the JSON, a closing line in the table.
  const shown = films.map((f, i) => {
    const budget = budgets[i];
    // What the render would newly spend: less what the bucket already holds.
    const withBudget = (plan: object, text: string, cost = f.plan.cost.new) =>
      budget
        ? {
            plan: {
              ...plan,
              budget: { ...budget.json, new: cost, refused: cost > budget.status.left + 1e-9 },
            },
            text: `${text}\n${budgetLine(budget.status, cost)}`,
          }
        : { plan, text };
    if (!remote) return withBudget(f.plan, formatPlan(f.plan));
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
    return withBudget(
      { ...f.plan, remote: summary },
      `${formatPlan(f.plan)}${line}`,
      summary.new_after_remote,
    );
  });
  const plans = shown.map((p) => p.plan);
  if (values.json) ctx.stdout(JSON.stringify(plans.length === 1 ? plans[0] : plans, null, 2));
  else ctx.stdout(shown.map((p) => p.text).join("\n\n"));
}

// Each film's render.budget as its ledgers count it (with a remote cache, every machine's spending).
async function filmBudgets(
  films: PlannedFilm[],
  paths: CachePaths,
  store: ObjectStore | undefined,
  readonly: boolean | undefined,
) {
  return Promise.all(
    films.map(async (f) => {
      const status = await budgetStatus(f.board, paths, store, readonly).catch((err) => {
        throw new RunError(
          `${f.board.file}: its render.budget cannot be shown: the remote cache's spend ledger did not answer (${(err as Error).message})`,
        );
      });
      if (!status) return undefined;
      const json = {
        limit: status.budget,
        spent: status.spent,
        left: Math.max(0, status.left),
        counts: status.counts === "team" ? "every machine sharing the remote cache" : "this machine only",
      };
      return { status, json };
    }),
  );
}
