// How the spend ledger names a storyboard: its path inside its git repository (the same on every clone and
// machine), or its file name outside one.
import { existsSync } from "node:fs";
import path from "node:path";

export function storyboardId(file: string): string {
  const abs = path.resolve(file);
  for (let dir = path.dirname(abs); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, ".git"))) return path.relative(dir, abs).split(path.sep).join("/");
    if (path.dirname(dir) === dir) return path.basename(abs);
  }
}
