// `storyreel studio <file>`: a page on 127.0.0.1 over one storyboard (watch, render, pick, retake, edit) until
// Ctrl-C, which stops a running render as `render`'s Ctrl-C does, then closes the server.
import { randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { cachePaths } from "../cache/layout.js";
import { UsageError } from "../errors.js";
import { findMediaTools } from "../media/binaries.js";
import { STUDIO_PAGE_DIR } from "../paths.js";
import { startStudio } from "../studio/start.js";
import { statIfExists } from "../util/fs.js";
import { numberOption } from "./args.js";
import type { CliContext } from "./context.js";
import { ndjsonDisplay } from "./progress.js";
import { lockedProvider, parseRenderOptions, planRequest, renderProvider } from "./render-options.js";

export const STUDIO_USAGE = `Usage: storyreel studio <storyboard.yaml> [--port N] [--open] [render options]

Serves a page on 127.0.0.1 for one storyboard: the film, its stills and shots with every take, and the plan of
what a render would make and spend. The page follows the file as it changes on disk, renders (asking before
anything is paid for with fal), picks and retakes takes, and edits a shot's prompt, duration and transition or a
still's prompt in the YAML file, comments kept. Prints the page's address (with its token) and runs until Ctrl-C.

Options:
  --port N                 the port on 127.0.0.1 (default 0: any free port)
  --open                   open the page in the system's browser
  --provider fal|preview   (default: the one the storyboard's lockfile pins, else fal)
  and the options of \`storyreel render\` (--max-cost, --concurrency, --cache-dir, ...) for its renders`;

export async function studioCommand(argv: string[], ctx: CliContext): Promise<void> {
  const { port: portText, open, rest } = studioOptions(argv);
  const opts = parseRenderOptions(rest, ctx, { name: "studio", usage: STUDIO_USAGE, storyboards: "first" });
  if (opts === "help") return ctx.stdout(STUDIO_USAGE);
  const port = numberOption(
    "port",
    portText,
    (p) => Number.isInteger(p) && p >= 0 && p <= 65535,
    "a port from 0 to 65535",
  );
  if (opts.files.length !== 1) throw new UsageError(`studio serves one storyboard\n\n${STUDIO_USAGE}`);
  if (opts.frozen) throw new UsageError("studio renders and makes takes, so it cannot be --frozen");
  const file = path.resolve(ctx.cwd, opts.files[0]!);
  if (!(await statIfExists(file))?.isFile()) throw new UsageError(`${opts.files[0]}: file not found`);
  // Without --provider, the provider whose outputs the lock pins (else fal).
  opts.provider = await lockedProvider(rest, file, opts.provider);
  const studio = await startStudio({
    request: planRequest(opts, ctx, [file]),
    file,
    run: {
      options: opts,
      tools: findMediaTools(ctx.env),
      ...(opts.remote && { remote: opts.remote }),
      // fal's key is checked when a render asks for the provider: a studio without one can still look and pick.
      provider: () => renderProvider(opts, ctx),
      display: ndjsonDisplay,
      signal: ctx.signal,
    },
    port: port ?? 0,
    pageDir: STUDIO_PAGE_DIR,
    onBug: (err) => ctx.stderr(`storyreel studio hit a bug: ${(err as Error).stack ?? String(err)}`),
  });
  ctx.stdout(`storyreel studio: ${studio.url}`);
  const opener = open ? await openBrowser(studio.url, cachePaths(opts.cacheDir).tmp, ctx) : undefined;
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  ctx.stderr("storyreel studio: stopping (a running render stops as Ctrl-C stops `render`)");
  await studio.close();
  if (opener) await rm(opener, { force: true });
}

// --port and --open are the studio's own; the rest are render's.
function studioOptions(argv: string[]): { port?: string; open: boolean; rest: string[] } {
  const rest: string[] = [];
  let port: string | undefined;
  let open = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--open") open = true;
    else if (a === "--port") port = argv[++i] ?? "";
    else if (a.startsWith("--port=")) port = a.slice("--port=".length);
    else rest.push(a);
  }
  return { ...(port !== undefined && { port }), open, rest };
}

// The system's browser; a machine without one (a server over ssh) is told so, and the studio runs on. The
// browser is given a file only this user can read that sends it on to the address: a command line (the
// opener's, the browser's) can be read by every user of the machine, and the token must not be on one.
async function openBrowser(url: string, tmp: string, ctx: CliContext): Promise<string> {
  await mkdir(tmp, { recursive: true });
  const file = path.join(tmp, `studio-open-${randomBytes(8).toString("hex")}.html`);
  const safe = url.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
  await writeFile(
    file,
    `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${safe}"><title>storyreel studio</title><a href="${safe}">storyreel studio</a>\n`,
    { mode: 0o600 },
  );
  const target = pathToFileURL(file).href;
  const [command, args] =
    process.platform === "darwin"
      ? ["open", [target]]
      : process.platform === "win32"
        ? ["cmd", ["/c", "start", "", target]]
        : ["xdg-open", [target]];
  // Loaded here, so that no other command's start pays for child_process.
  const { spawn } = createRequire(import.meta.url)(
    "node:child_process",
  ) as typeof import("node:child_process");
  const child = spawn(command, args as string[], { stdio: "ignore", detached: true });
  child.on("error", () =>
    ctx.stderr(`storyreel studio: no browser to open (${command} not found); open the address above`),
  );
  child.unref();
  return file;
}
