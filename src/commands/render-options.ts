// `storyreel render` options: parsed and checked before any work starts.
import { modelsDirOf, numberOption, onlyOption, parseCommand, providerOption, requireFiles } from "./args.js";
import { lockPath, readLock } from "../project/lockfile.js";
import type { CliContext } from "./context.js";
import { resolveCacheDir } from "../cache/layout.js";
import { UsageError } from "../errors.js";
import type { ProviderId } from "../plan/key.js";
import { providerLoader } from "../pipeline/index.js";
import type { RemoteChoice } from "../pipeline/remote.js";
import { REMOTE_OPTIONS, REMOTE_USAGE, remoteChoice } from "./remote-options.js";

export const RENDER_USAGE = `Usage: storyreel render <storyboard.yaml...> [options]

Generates every shot that is not already cached, at most N at a time, then reports what it did.

Options:
  --provider fal|preview   fal (default; needs FAL_KEY) or preview (free, offline animatic)
  --concurrency N          clips generated at once (default: render.concurrency, else 4)
  --only id,id             generate only these shots; the others must already be cached
  --out FILE               film path (default: the storyboard's output, else out/<name>.mp4)
  --cache-dir DIR          cache folder (default: $STORYREEL_CACHE_DIR, else out/cache)
  --max-cost USD           refuse, before any request, if the new spending would exceed this
  --timeout MIN            longest wait for one clip before its request is cancelled (default 30)
  --fal-proxy URL          send every fal call through fal's proxy protocol (or FAL_PROXY_URL)
  --resubmit-unconfirmed   resubmit shots whose earlier submit was cut off before fal's id was saved
  --offline                never generate: use cached clips only, and name the shots that lack one
  --frozen                 for CI: render exactly what each storyboard's lockfile names, from the cache;
                           generate nothing, and exit 2 before any work if storyboard and lock disagree
  --allow-missing          make the film anyway: a slate of its length stands in for each missing or failed shot
  --json                   print one NDJSON event per state change on stdout
  --allow-outside-images   allow images outside the storyboard's folder
${REMOTE_USAGE}`;

export interface RenderOptions {
  files: string[];
  provider: ProviderId;
  concurrency?: number;
  only?: Set<string>;
  out?: string;
  cacheDir: string;
  maxCost?: number;
  timeoutMinutes?: number;
  falProxy?: string;
  resubmitUnconfirmed: boolean;
  json: boolean;
  offline: boolean;
  frozen: boolean;
  allowMissing: boolean;
  allowOutsideImages: boolean;
  remote?: RemoteChoice;
  // STORYREEL_PREVIEW_SIZE: the long side of preview clips (a development setting; the e2e tests make 160 px).
  previewLongSide?: number;
}

// The provider these options ask for; fal's credentials are checked here, before anything is written.
export function renderProvider(opts: RenderOptions, ctx: CliContext) {
  return providerLoader({
    provider: opts.provider,
    env: ctx.env,
    cacheDir: opts.cacheDir,
    offline: opts.offline,
    resubmitUnconfirmed: opts.resubmitUnconfirmed,
    ...(opts.previewLongSide !== undefined && { previewLongSide: opts.previewLongSide }),
    ...(opts.falProxy !== undefined && { falProxy: opts.falProxy }),
  });
}

// How a command that takes render's options reads its words: `retake FILE ID...` names one storyboard, then ids.
// The plan request render, retake and studio make from render's options (retake plans every shot: no --only).
export function planRequest(
  opts: RenderOptions,
  ctx: CliContext,
  files: string[],
  use: { only: boolean } = { only: true },
) {
  return {
    files,
    cwd: ctx.cwd,
    provider: opts.provider,
    cacheDir: opts.cacheDir,
    allowOutsideImages: opts.allowOutsideImages,
    ...modelsDirOf(ctx),
    resubmitUnconfirmed: opts.resubmitUnconfirmed,
    ...(use.only && opts.only && { only: opts.only }),
    ...(opts.out !== undefined && { out: opts.out }),
  };
}

// Without --provider, the provider whose outputs the storyboard's lock pins (else the one parsed, fal).
export async function lockedProvider(argv: string[], file: string, given: ProviderId): Promise<ProviderId> {
  if (argv.some((a) => a === "--provider" || a.startsWith("--provider="))) return given;
  return (await readLock(lockPath(file)))?.provider ?? given;
}

export interface RenderCommand {
  name: string;
  usage: string;
  storyboards: "all" | "first";
}

const RENDER: RenderCommand = { name: "render", usage: RENDER_USAGE, storyboards: "all" };

export function parseRenderOptions(
  argv: string[],
  ctx: CliContext,
  command: RenderCommand = RENDER,
): RenderOptions | "help" {
  const { values: v, positionals } = parseCommand(
    command.name,
    argv,
    {
      provider: { type: "string" },
      concurrency: { type: "string" },
      only: { type: "string" },
      out: { type: "string" },
      "cache-dir": { type: "string" },
      "max-cost": { type: "string" },
      timeout: { type: "string" },
      "fal-proxy": { type: "string" },
      "resubmit-unconfirmed": { type: "boolean" },
      json: { type: "boolean" },
      offline: { type: "boolean" },
      frozen: { type: "boolean" },
      "allow-missing": { type: "boolean" },
      "allow-outside-images": { type: "boolean" },
      ...REMOTE_OPTIONS,
    },
    command.usage,
  );
  if (v.help) return "help";
  const str = (name: string) => (typeof v[name] === "string" ? (v[name] as string) : undefined);
  const files = requireFiles(command.name, positionals, command.usage);
  const storyboards = command.storyboards === "first" ? files.slice(0, 1) : files;
  const out = str("out");
  if (out !== undefined && storyboards.length > 1)
    throw new UsageError(
      "--out names one film, so it takes one storyboard; each storyboard's `output` names its own",
    );
  if (out !== undefined && !out.endsWith(".mp4"))
    throw new UsageError(`--out must be a path ending in .mp4 (got "${out}")`);
  const concurrency = numberOption(
    "concurrency",
    str("concurrency"),
    (n) => Number.isInteger(n) && n >= 1 && n <= 64,
    "a whole number from 1 to 64",
  );
  const maxCost = numberOption(
    "max-cost",
    str("max-cost"),
    (n) => n >= 0,
    "a number of US dollars, e.g. 5 or 2.50",
  );
  const timeoutMinutes = numberOption(
    "timeout",
    str("timeout"),
    (n) => n > 0,
    "a number of minutes greater than 0",
  );
  const only = onlyOption(str("only"));
  const falProxy = str("fal-proxy");
  const remote = remoteChoice(v, ctx.env);
  const previewLongSide = previewSizeSetting(ctx.env.STORYREEL_PREVIEW_SIZE);
  return {
    files,
    provider: providerOption(str("provider"), "fal"),
    ...(concurrency !== undefined && { concurrency }),
    ...(only && { only }),
    ...(out !== undefined && { out }),
    cacheDir: resolveCacheDir(str("cache-dir"), ctx.env, ctx.cwd),
    ...(maxCost !== undefined && { maxCost }),
    ...(timeoutMinutes !== undefined && { timeoutMinutes }),
    ...(falProxy !== undefined && { falProxy }),
    resubmitUnconfirmed: v["resubmit-unconfirmed"] === true,
    json: v.json === true,
    // Frozen renders generate nothing: they are offline, and need no FAL_KEY.
    offline: v.offline === true || v.frozen === true,
    frozen: v.frozen === true,
    allowMissing: v["allow-missing"] === true,
    allowOutsideImages: v["allow-outside-images"] === true,
    ...(remote && { remote }),
    ...(previewLongSide !== undefined && { previewLongSide }),
  };
}

function previewSizeSetting(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 16 || n > 4096)
    throw new UsageError(
      `STORYREEL_PREVIEW_SIZE must be a whole number of pixels from 16 to 4096 (got "${value}")`,
    );
  return n;
}
