// The CLI entry: argv -> command, and the one place errors become exit codes and process.exit is called.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { CliContext } from "./commands/context.js";
import { InterruptedError, RunError, StoryboardError, StoryreelError, UsageError } from "./errors.js";
import { PACKAGE_ROOT } from "./paths.js";
import { fileSystemProblem } from "./cache/writable.js";

export const EXIT = { ok: 0, failed: 1, invalid: 2, interrupted: 130 } as const;

const USAGE = `storyreel: turn a YAML storyboard into a film (fal.ai image-to-video + ffmpeg)

Usage: storyreel <command> [options]

Commands:
  validate <file...>   check storyboards: schema, images, prompts, durations (no network)
  plan <file...>       show what a render would generate, reuse and spend
  render <file...>     generate the clips (cached, concurrent, resumable) and stitch the film
  retake <file> <id...>  make one more take of shots or stills (a render that makes just those)
  pick <file> <id> <n> choose the take the film uses (recorded in <storyboard>.lock.yaml)
  export <file> --format otio|mlt [--out PATH] [--collect DIR]
                       the film's edit as a timeline for an editor (Resolve, Premiere, Shotcut, Kdenlive)
  cache <ls|verify|gc|forget|push|pull>
                       list, check and free the cache; forget a request fal keeps refusing;
                       push to and pull from a remote cache (--remote-cache s3://BUCKET/PREFIX)
  spend [file...]      what fal renders have cost, from the spend ledger, by storyboard, day and model
                       (--reconcile [--since DATE]: the ledger against fal's request listing)
  models [NAME]        the video models a storyboard here can use: modes, durations, prices per 5 s,
                       sources (the project's own in models/ or $STORYREEL_MODELS too; --json)
  studio <file>        a page on 127.0.0.1 to watch a render, compare takes, pick, retake and edit the
                       storyboard (--port N, --open; until Ctrl-C)
  init [dir]           start a storyboard: commented storyboard.yaml and two sample images
  doctor               show the ffmpeg in use and its capabilities, FAL_KEY status and the cache
                       (--remote: check the remote cache and its conditional writes)

Options:
  -h, --help           show help (also: storyreel <command> --help)
  -v, --version        print the version

Exit codes: 0 success, 1 a run that failed, 2 an invalid storyboard or bad usage, 130 interrupted.`;

const FS_ERRORS = new Set([
  "EACCES",
  "EPERM",
  "ENOSPC",
  "EROFS",
  "EDQUOT",
  "ENOTDIR",
  "EISDIR",
  "EMFILE",
  "ENAMETOOLONG",
]);

const COMMANDS: Record<string, () => Promise<(argv: string[], ctx: CliContext) => Promise<void>>> = {
  validate: async () => (await import("./commands/validate.js")).validateCommand,
  plan: async () => (await import("./commands/plan.js")).planCommand,
  render: async () => (await import("./commands/render.js")).renderCommand,
  init: async () => (await import("./commands/init.js")).initCommand,
  doctor: async () => (await import("./commands/doctor.js")).doctorCommand,
  retake: async () => (await import("./commands/retake.js")).retakeCommand,
  pick: async () => (await import("./commands/pick.js")).pickCommand,
  spend: async () => (await import("./commands/spend.js")).spendCommand,
  cache: async () => (await import("./commands/cache.js")).cacheCommand,
  export: async () => (await import("./commands/export.js")).exportCommand,
  models: async () => (await import("./commands/models.js")).modelsCommand,
  studio: async () => (await import("./commands/studio.js")).studioCommand,
};

// Any field of the context may be left out: the process's own working folder, environment and streams stand in,
// with no abort signal (nothing interrupts the run) and no live terminal display.
export async function runCli(argv: string[], given: Partial<CliContext> = {}): Promise<number> {
  const ctx: CliContext = {
    cwd: process.cwd(),
    env: process.env,
    stdout: (t) => void process.stdout.write(`${t}\n`),
    stderr: (t) => void process.stderr.write(`${t}\n`),
    stderrRaw: (t) => void process.stderr.write(t),
    columns: 100,
    isTTY: false,
    signal: new AbortController().signal,
    ...given,
  };
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === "-h" || name === "--help" || name === "help") {
      ctx.stdout(USAGE);
      return EXIT.ok;
    }
    if (name === "-v" || name === "--version") {
      ctx.stdout(version());
      return EXIT.ok;
    }
    const load = COMMANDS[name];
    if (!load) throw new UsageError(`unknown command "${name}"\n\n${USAGE}`);
    await (await load())(rest, ctx);
    return EXIT.ok;
  } catch (err) {
    return reportError(err, ctx);
  }
}

function reportError(err: unknown, ctx: CliContext): number {
  const { code, text } = describeError(err);
  ctx.stderr(text);
  return code;
}

// Every error class maps to exactly one exit code and one way of being shown; anything else is a bug.
function describeError(err: unknown): { code: number; text: string } {
  if (err instanceof StoryboardError) return { code: EXIT.invalid, text: err.message };
  if (err instanceof UsageError) return { code: EXIT.invalid, text: `error: ${err.message}` };
  if (err instanceof InterruptedError) return { code: EXIT.interrupted, text: err.message };
  if (err instanceof RunError || err instanceof StoryreelError)
    return { code: EXIT.failed, text: `error: ${err.message}` };
  // The file system said no (permissions, a full disk): the user can act on that, it is not a bug.
  const fsCode = (err as NodeJS.ErrnoException | undefined)?.code;
  if (fsCode && FS_ERRORS.has(fsCode))
    return { code: EXIT.failed, text: `error: ${fileSystemProblem(err) ?? (err as Error).message}` };
  const e = err instanceof Error ? err : new Error(String(err));
  const text = `storyreel ${version()} hit a bug (node ${process.version}). Please report it with this trace:`;
  return { code: EXIT.failed, text: `${text}\n${e.stack ?? e.message}` };
}

function version(): string {
  return (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string })
    .version;
}

// The program: real process, real signals. bin/storyreel.js calls this; tests and the library call runCli.
export function main(): void {
  const controller = new AbortController();
  let interrupts = 0;
  // SIGTERM (a CI job cancelled, `kill`) is a Ctrl-C: stop submitting, collect what is paid for, clean up.
  const interrupt = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    controller.abort();
  };
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", interrupt);
  // The process's own streams and folder are runCli's defaults; the terminal and the signal are the program's.
  const ctx = {
    columns: process.stderr.columns ?? 100,
    isTTY: process.stderr.isTTY === true,
    signal: controller.signal,
  };
  void runCli(process.argv.slice(2), ctx).then((code) => {
    process.exitCode = code;
    // Leave once output is flushed, even if a stray handle (a fetch keep-alive socket) would hold the process.
    process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
  });
}
