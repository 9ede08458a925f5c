// Parse a command's argv with node:util parseArgs, turning its errors into UsageErrors.
import { statSync } from "node:fs";
import path from "node:path";
import { CACHE_ENV } from "../cache/layout.js";
import { shownPath } from "../paths.js";
import { otherCaches } from "../pipeline/other-caches.js";
import type { Storyboard } from "../storyboard/types.js";
import type { CliContext } from "./context.js";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../errors.js";
import { closest } from "../util/suggest.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface ParsedCommand {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export function parseCommand(
  command: string,
  argv: string[],
  options: Options,
  usage: string,
): ParsedCommand {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    }) as ParsedCommand;
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional.*$/s, "");
    throw new UsageError(`storyreel ${command}: ${message}${optionHint(message, options)}\n\n${usage}`);
  }
}

export function requireFiles(command: string, positionals: string[], usage: string): string[] {
  if (positionals.length === 0)
    throw new UsageError(`storyreel ${command}: name at least one storyboard file\n\n${usage}`);
  return positionals;
}

export function providerOption(value: string | undefined, fallback: "fal" | "preview"): "fal" | "preview" {
  if (value === undefined) return fallback;
  if (value === "fal" || value === "preview") return value;
  throw new UsageError(`--provider must be fal or preview (got "${value}")`);
}

export function onlyOption(value: string | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const ids = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0) throw new UsageError("--only needs at least one shot id, e.g. --only arrival,throne");
  return new Set(ids);
}

export function numberOption(
  name: string,
  value: string | undefined,
  check: (n: number) => boolean,
  expected: string,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n))
    throw new UsageError(`--${name} must be ${expected} (got "${value}")`);
  return n;
}

// "Unknown option '--provder'" gets the option that was probably meant.
function optionHint(message: string, options: Options): string {
  const unknown = /Unknown option '--([^']+)'/.exec(message)?.[1];
  const near = unknown && closest(unknown, [...Object.keys(options), "help"]);
  return near ? ` (did you mean --${near}?)` : "";
}

// A cache beside a storyboard that this run does not use is named (see pipeline/other-caches.ts), unless the
// run named its cache itself (--cache-dir or STORYREEL_CACHE_DIR).
export function noteOtherCaches(
  films: Array<{ board: Storyboard }>,
  cacheDir: string,
  argv: string[],
  ctx: Pick<CliContext, "cwd" | "env" | "stderr">,
): void {
  const chosen =
    Boolean(ctx.env[CACHE_ENV]) || argv.some((a) => a === "--cache-dir" || a.startsWith("--cache-dir="));
  const boards = films.map((f) => f.board);
  for (const note of otherCaches(boards, cacheDir, (f) => shownPath(ctx.cwd, f), chosen)) ctx.stderr(note);
}

// STORYREEL_MODELS: a folder of the project's own model files, besides models/ beside the storyboard.
export function modelsDirOf(ctx: Pick<CliContext, "env" | "cwd">): { modelsDir?: string } {
  const dir = ctx.env.STORYREEL_MODELS;
  if (!dir) return {};
  if (!statSync(path.resolve(ctx.cwd, dir), { throwIfNoEntry: false })?.isDirectory())
    throw new UsageError(
      `STORYREEL_MODELS is ${dir}, which is not a folder: point it at a folder of model files (see docs/models.md)`,
    );
  return { modelsDir: dir };
}
