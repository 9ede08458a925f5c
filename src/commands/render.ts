// `storyreel render <file...>`: plan, then generate, check, stitch and report through the pipeline.
import path from "node:path";
import { lockPath, readLock } from "../project/lockfile.js";
import { findMediaTools } from "../media/binaries.js";
import { planStoryboards, renderPlans } from "../pipeline/index.js";
import { modelsDirOf, noteOtherCaches } from "./args.js";
import { ndjsonDisplay, textDisplay } from "./progress.js";
import type { CliContext } from "./context.js";
import { parseRenderOptions, RENDER_USAGE, renderProvider } from "./render-options.js";

export async function renderCommand(argv: string[], ctx: CliContext): Promise<void> {
  const opts = parseRenderOptions(argv, ctx);
  if (opts === "help") return ctx.stdout(RENDER_USAGE);
  // --frozen renders what the lock pins: without --provider, with the provider the lock names.
  if (opts.frozen && !argv.some((a) => a === "--provider" || a.startsWith("--provider=")))
    opts.provider =
      (await readLock(lockPath(path.resolve(ctx.cwd, opts.files[0]!))))?.provider ?? opts.provider;
  const planned = await planStoryboards({
    files: opts.files,
    cwd: ctx.cwd,
    provider: opts.provider,
    cacheDir: opts.cacheDir,
    allowOutsideImages: opts.allowOutsideImages,
    ...modelsDirOf(ctx),
    resubmitUnconfirmed: opts.resubmitUnconfirmed,
    ...(opts.only && { only: opts.only }),
    ...(opts.out !== undefined && { out: opts.out }),
  });
  noteOtherCaches(planned.films, opts.cacheDir, argv, ctx);
  // Credentials are checked after the storyboards (a missing file comes first) and before any request.
  const provider = renderProvider(opts, ctx);
  const display = opts.json ? ndjsonDisplay(ctx) : textDisplay(ctx);
  const deps = {
    tools: findMediaTools(ctx.env),
    provider,
    signal: ctx.signal,
    ...(opts.remote && { remote: opts.remote }),
  };
  await renderPlans(planned, opts, deps, display);
}
