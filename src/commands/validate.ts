// `storyreel validate <file...>`: every problem with its position, or a one-line summary per storyboard.
import path from "node:path";
import { modelsDirOf, parseCommand, requireFiles } from "./args.js";
import type { CliContext } from "./context.js";
import { planRender } from "../plan/plan.js";
import { dollars } from "../util/money.js";
import { loadStoryboards } from "../pipeline/index.js";
import { resolveCacheDir } from "../cache/layout.js";
import { parseCache } from "../project/parse-cache.js";
import { count } from "../util/words.js";

export const VALIDATE_USAGE = `Usage: storyreel validate <storyboard.yaml...> [--allow-outside-images]

Checks each storyboard against the schema and the model's limits (images, prompt, durations,
transitions, trims) without touching the network. Prints every problem as file:line:col.`;

export async function validateCommand(argv: string[], ctx: CliContext): Promise<void> {
  const { values, positionals } = parseCommand(
    "validate",
    argv,
    { "allow-outside-images": { type: "boolean" } },
    VALIDATE_USAGE,
  );
  if (values.help) return ctx.stdout(VALIDATE_USAGE);
  const files = requireFiles("validate", positionals, VALIDATE_USAGE);
  const boards = await loadStoryboards(
    files,
    ctx.cwd,
    values["allow-outside-images"] === true,
    // The parsed storyboard by its text's hash, as plan and render keep it: positions are parsed only for errors.
    parseCache(path.resolve(ctx.cwd, resolveCacheDir(undefined, ctx.env, ctx.cwd))),
    modelsDirOf(ctx).modelsDir,
  );
  for (const b of boards) {
    const seconds = b.shots.reduce((t, s) => t + s.duration, 0);
    // Every take of every step (shots, stills, sounds, passes), as `plan` counts them before anything is cached.
    const cost = planRender(b, { has: () => false }, { provider: "fal" }).cost.new;
    ctx.stdout(
      `${b.file}: valid: ${count(b.shots.length, "shot")}${b.stills.length ? ` and ${count(b.stills.length, "still")}` : ""}, ${seconds} s of clips, at most ${dollars(cost)} on fal`,
    );
  }
}
