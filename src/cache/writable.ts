// Can storyreel write here? Asked before anything is generated, so a read-only or full folder is found before
// any clip is paid for, not after.
import { constants } from "node:fs";
import { access, mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { isMissing, removeIfExists } from "../util/fs.js";

export const WHY: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is exhausted",
  ENOTDIR: "a file is in the way of the folder",
  EEXIST: "a file is in the way of the folder",
};

// Errors that say a folder cannot take more (or any) writes, whatever file was being written.
const CANNOT_WRITE = new Set(["ENOSPC", "EDQUOT", "EROFS"]);

// A file-system error as the user can act on it: `cannot write to <folder>: no space left on the device`, or
// the file that is a folder. Undefined for anything else (and for an error with no file to name).
export function fileSystemProblem(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException | undefined;
  const code = e?.code ?? "";
  if (!e?.path) return undefined;
  if (code === "EISDIR")
    return `${e.path} is a folder where storyreel keeps a file; move that folder out of the way`;
  if (CANNOT_WRITE.has(code)) return `cannot write to ${path.dirname(e.path)}: ${WHY[code]}`;
  return undefined;
}

// Why a step failed when no provider said: a file-system problem the user can act on, else an unexpected error
// with its stack (a bug to report).
export function failureText(err: unknown): string {
  return fileSystemProblem(err) ?? `unexpected error: ${(err as Error).stack ?? String(err)}`;
}

// Creates the folder if needed and writes (then removes) a small file in it. Undefined when all is well.
export async function writeProblem(dir: string): Promise<string | undefined> {
  const probe = path.join(dir, `.storyreel-write-check.${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, "storyreel");
    await removeIfExists(probe);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    if (!(code in WHY) && !isMissing(err)) throw err;
    return `cannot write to ${dir}: ${WHY[code] ?? "a folder on its path is missing and cannot be made"}`;
  }
}

// For `doctor`, which creates nothing: whether the folder, or the nearest existing folder above it, is writable.
export async function canWrite(dir: string): Promise<string> {
  let at = path.resolve(dir);
  for (;;) {
    try {
      if (!(await stat(at)).isDirectory()) return `NOT writable (${WHY.ENOTDIR}: ${at})`;
      await access(at, constants.W_OK);
      return at === path.resolve(dir) ? "writable" : `not there yet; ${at} is writable`;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "";
      if (!isMissing(err)) return `NOT writable (${WHY[code] ?? code})`;
      const up = path.dirname(at);
      if (up === at) return "NOT writable (no folder on its path exists)";
      at = up;
    }
  }
}
