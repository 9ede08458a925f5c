// Run the real storyreel CLI as a child process, the way a user does.
import { execa } from "execa";
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const BIN = path.join(REPO, "bin", "storyreel.js");

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function storyreel(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<CliResult> {
  const result = await execa("node", [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    env: { FAL_KEY: undefined, STORYREEL_CACHE_DIR: undefined, ...options.env },
    extendEnv: true,
    reject: false,
    timeout: 120_000,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
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
