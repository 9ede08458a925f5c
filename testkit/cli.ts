// Run the storyreel CLI two ways: in process (runCli with an injected context: fast, for nearly every test) and
// as a real child process of bin/storyreel.js (for smoke tests, signals and kill -9), plus temp-dir helpers.
import { execa } from "execa";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../src/cli.js";
import type { CliContext } from "../src/commands/context.js";

export const REPO = fileURLToPath(new URL("../", import.meta.url));
export const BIN = path.join(REPO, "bin", "storyreel.js");

export type Env = Record<string, string | undefined>;

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

// What the child process (and runInProcess) sees: the test's environment without a real FAL_KEY or cache dir.
export function cliEnv(overrides: Env = {}): Env {
  return { ...process.env, FAL_KEY: undefined, STORYREEL_CACHE_DIR: undefined, ...overrides };
}

export interface InProcessOptions {
  cwd?: string;
  env?: Env;
  // Aborting it is the first Ctrl-C.
  signal?: AbortSignal;
  isTTY?: boolean;
  columns?: number;
  // Called with each piece of output as it is written, to wait for a line (instead of sleeping).
  onStdout?: (text: string) => void;
  onStderr?: (text: string) => void;
}

// runCli with the context bin/storyreel.js would build, output captured as the process would print it.
export async function runInProcess(args: string[], options: InProcessOptions = {}): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const out = (text: string) => {
    stdout += text;
    options.onStdout?.(text);
  };
  const err = (text: string) => {
    stderr += text;
    options.onStderr?.(text);
  };
  const ctx: CliContext = {
    cwd: options.cwd ?? REPO,
    env: cliEnv(options.env),
    stdout: (t) => out(`${t}\n`),
    stderr: (t) => err(`${t}\n`),
    stderrRaw: err,
    columns: options.columns ?? 100,
    isTTY: options.isTTY ?? false,
    signal: options.signal ?? new AbortController().signal,
  };
  const exitCode = await runCli(args, ctx);
  return { exitCode, stdout, stderr };
}

// The real CLI as a child process, the way a user runs it. Refuses to run a dist/ older than src/.
export async function storyreel(
  args: string[],
  options: { cwd?: string; env?: Env } = {},
): Promise<CliResult> {
  const result = await spawnStoryreel(args, options);
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

// The child itself, for tests that signal or kill it; await it for the result (it never rejects).
export function spawnStoryreel(args: string[], options: { cwd?: string; env?: Env } = {}) {
  assertBuildFresh();
  return execa("node", [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    env: { FAL_KEY: undefined, STORYREEL_CACHE_DIR: undefined, ...options.env },
    extendEnv: true,
    reject: false,
    timeout: 120_000,
  });
}

let fresh = false;

// bin/storyreel.js runs dist/, so a test of a stale build would pass or fail for the wrong reason. Every
// src/**/*.ts must have its dist/**/*.js, and the oldest of those (and the bundle) must be newer than the newest source.
// (dist/ files whose source was moved or deleted are ignored: tsc never removes them.)
export function assertBuildFresh(): void {
  if (fresh) return;
  const src = path.join(REPO, "src");
  const dist = path.join(REPO, "dist");
  let newest = { file: "", mtime: 0 };
  let oldest = { file: "", mtime: Number.POSITIVE_INFINITY };
  for (const rel of readdirSync(src, { recursive: true, encoding: "utf8" })) {
    const file = path.join(src, rel);
    const info = statSync(file);
    if (!info.isFile()) continue;
    if (info.mtimeMs > newest.mtime) newest = { file, mtime: info.mtimeMs };
    if (!rel.endsWith(".ts") || rel.endsWith(".d.ts")) continue;
    const built = path.join(dist, rel.replace(/\.ts$/, ".js"));
    if (!existsSync(built))
      throw new Error(
        `dist/ is stale: ${path.relative(REPO, file)} has no ${path.relative(REPO, built)}; run \`npm run build\``,
      );
    const mtime = statSync(built).mtimeMs;
    if (mtime < oldest.mtime) oldest = { file: built, mtime };
  }
  // The launcher runs the bundle when there is one, so it must be as fresh as the rest of dist/.
  const bundle = path.join(dist, "cli.bundle.cjs");
  if (existsSync(bundle) && statSync(bundle).mtimeMs < oldest.mtime)
    oldest = { file: bundle, mtime: statSync(bundle).mtimeMs };
  if (newest.mtime > oldest.mtime)
    throw new Error(
      `dist/ is older than src/: ${path.relative(REPO, newest.file)} changed after ${path.relative(REPO, oldest.file)} was built; run \`npm run build\` (the CLI tests run dist/)`,
    );
  fresh = true;
}

export async function tempDir(prefix = "storyreel-test-"): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

// Every file below `dir`, relative, sorted: to assert that a command wrote nothing (or exactly what it should).
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) =>
      path.relative(dir, path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)),
    )
    .sort();
}

// Resolves once `check` holds, tested every `everyMs`; fails after `ms`. Only for conditions with no event to
// listen to, such as a journal file reaching a state inside a child process (FakeFal.until covers requests).
export async function until(
  check: () => boolean | Promise<boolean>,
  ms = 20_000,
  everyMs = 20,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${check.toString()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
