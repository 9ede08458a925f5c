// `storyreel render <file...>`: plan, then generate, check, stitch and report through the pipeline.
import path from "node:path";
import { findMediaTools } from "../media/binaries.js";
import { planStoryboards, renderPlans } from "../pipeline/index.js";
import { noteOtherCaches } from "./args.js";
import { ndjsonDisplay, textDisplay } from "./progress.js";
import type { CliContext } from "./context.js";
import {
  lockedProvider,
  parseRenderOptions,
  planRequest,
  RENDER_USAGE,
  renderProvider,
} from "./render-options.js";

export async function renderCommand(argv: string[], ctx: CliContext): Promise<void> {
  const opts = parseRenderOptions(argv, ctx);
  if (opts === "help") return ctx.stdout(RENDER_USAGE);
  // --frozen renders what the lock pins: without --provider, with the provider the lock names.
  if (opts.frozen)
    opts.provider = await lockedProvider(argv, path.resolve(ctx.cwd, opts.files[0]!), opts.provider);
  const planned = await planStoryboards(planRequest(opts, ctx, opts.files));
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
