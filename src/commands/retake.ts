// `storyreel retake <file> <id...>`: one more take of each shot or still, made by a render at once.
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { cachePaths } from "../cache/layout.js";
import { lockPath } from "../project/lockfile.js";
import { findMediaTools } from "../media/binaries.js";
import { addTakes, findStep, planStoryboards, renderPlans, retakeTurn } from "../pipeline/index.js";
import { ndjsonDisplay, textDisplay } from "./progress.js";
import type { CliContext } from "./context.js";
import { UsageError } from "../errors.js";
import { dollars } from "../util/money.js";
import { lockedProvider, parseRenderOptions, planRequest, renderProvider } from "./render-options.js";

export const RETAKE_USAGE = `Usage: storyreel retake <storyboard.yaml> <id...> [render options]

Adds one more take of each shot (by id), still (by name) or pass (lipsync:ID, upscale:ID@HEIGHT) and renders, which makes the new takes (each
is a new submit, priced as the shot or still). Takes never overwrite each other; the film keeps the take
it uses until you choose another with \`storyreel pick\`. Takes the options of \`storyreel render\`.`;

export async function retakeCommand(argv: string[], ctx: CliContext): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) return ctx.stdout(RETAKE_USAGE);
  const opts = parseRenderOptions(argv, ctx, { name: "retake", usage: RETAKE_USAGE, storyboards: "first" });
  if (opts === "help") return ctx.stdout(RETAKE_USAGE);
  const [file, ...ids] = opts.files;
  if (!file || ids.length === 0)
    throw new UsageError(
      `retake needs a storyboard and at least one shot id or still name\n\n${RETAKE_USAGE}`,
    );
  if (opts.frozen) throw new UsageError("retake makes new takes, so it cannot be --frozen");
  // Without --provider, the provider whose outputs the lock pins (else fal).
  opts.provider = await lockedProvider(argv, path.resolve(ctx.cwd, file), opts.provider);
  const request = planRequest(opts, ctx, [file], { only: false });
  // Two retakes at once take turns, so the second plans after the first made its take and makes the next one.
  const turn = await retakeTurn(path.resolve(ctx.cwd, file), cachePaths(opts.cacheDir), {
    signal: ctx.signal,
    onWait: (pid) =>
      ctx.stderr(
        `waiting for another retake of ${file} (pid ${pid}) to end; this one then makes the next take`,
      ),
  });
  try {
    const before = await planStoryboards(request);
    // Credentials are checked before the lock is touched: a retake that cannot run changes nothing.
    const provider = renderProvider(opts, ctx);
    // An id the storyboard does not have is named first (with the ids it has), whatever else is pending.
    for (const id of ids) findStep(before.films[0]!, id);
    // A retake spends only on its new takes: a storyboard with other steps still to make is rendered first.
    const pending = before.films[0]!.plan;
    if (
      pending.cost.new > 0 ||
      pending.shots.some((t) => t.status === "generate" || t.status === "looking up")
    )
      throw new UsageError(
        `${file} has steps that are not made yet (${dollars(pending.cost.new)} of new spending); render it first (\`storyreel plan ${file}\` shows them), then retake`,
      );
    // A retake refused before any submit (over budget or --max-cost) leaves the lock as it was.
    const lockFile = lockPath(path.resolve(ctx.cwd, file));
    const previous = await readFile(lockFile, "utf8").catch(() => undefined);
    const restore = () =>
      previous === undefined ? rm(lockFile, { force: true }) : writeFile(lockFile, previous);
    for (const { step, take } of await addTakes(before.films[0]!, ids))
      ctx.stderr(`${step.name}: take ${take} added`);
    const planned = await planStoryboards(request);
    const display = opts.json ? ndjsonDisplay(ctx) : textDisplay(ctx);
    try {
      await renderPlans(
        planned,
        opts,
        {
          tools: findMediaTools(ctx.env),
          provider,
          signal: ctx.signal,
          ...(opts.remote && { remote: opts.remote }),
        },
        display,
      );
    } catch (err) {
      if (err instanceof UsageError) await restore();
      throw err;
    }
  } finally {
    await turn.release();
  }
}
