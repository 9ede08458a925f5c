// `storyreel pick <file> <id> <take>`: the take the film (and everything made from it) uses from now on.
import path from "node:path";
import { cachePaths, resolveCacheDir } from "../cache/layout.js";
import { lockPath, readLock } from "../project/lockfile.js";
import { UsageError } from "../errors.js";
import { formatPlan } from "./plan-format.js";
import { pickTake, planStoryboards } from "../pipeline/index.js";
import { modelsDirOf, parseCommand, providerOption } from "./args.js";
import type { CliContext } from "./context.js";

export const PICK_USAGE = `Usage: storyreel pick <storyboard.yaml> <id> <take> [--provider fal|preview] [--cache-dir DIR]
(--provider defaults to the one the storyboard's lockfile pins, else fal)

Chooses which take of a shot (by id), still (by name) or pass (lipsync:ID, upscale:ID@HEIGHT) the film uses, and records it in the lockfile
beside the storyboard. Picking another take of a still changes every step made from it: the plan printed
afterwards shows what a render would make again and what it would cost. Until you pick, the first take
that succeeded is used. Run \`storyreel render\` to apply it.`;

export async function pickCommand(argv: string[], ctx: CliContext): Promise<void> {
  const { values, positionals } = parseCommand(
    "pick",
    argv,
    { provider: { type: "string" }, "cache-dir": { type: "string" } },
    PICK_USAGE,
  );
  if (values.help) return ctx.stdout(PICK_USAGE);
  const [file, id, takeText, ...extra] = positionals;
  if (!file || !id || !takeText || extra.length > 0)
    throw new UsageError(
      `pick needs a storyboard, one shot id or still name, and a take number\n\n${PICK_USAGE}`,
    );
  const take = Number(takeText);
  if (!Number.isInteger(take) || take < 1)
    throw new UsageError(`the take must be a whole number from 1 (got "${takeText}")`);
  // Without --provider, the provider whose outputs the lock pins (else fal).
  const locked = await readLock(lockPath(path.resolve(ctx.cwd, file)));
  const request = {
    files: [file],
    cwd: ctx.cwd,
    provider: providerOption(values.provider as string | undefined, locked?.provider ?? "fal"),
    cacheDir: resolveCacheDir(values["cache-dir"] as string | undefined, ctx.env, ctx.cwd),
    ...modelsDirOf(ctx),
  };
  const before = await planStoryboards(request);
  const { step, cached } = await pickTake(before.films[0]!, id, take, cachePaths(request.cacheDir));
  ctx.stderr(
    `${step.name} now uses take ${take}${cached ? "" : " (not made yet: the next render makes it)"}; run \`storyreel render ${file}${request.provider === "preview" ? " --provider preview" : ""}\` to make the film with it.`,
  );
  const after = await planStoryboards(request);
  ctx.stdout(formatPlan(after.films[0]!.plan));
}
