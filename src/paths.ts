// Where storyreel's own data files live, whether running from src/ (tsx) or dist/ (compiled).
import { fileURLToPath } from "node:url";
import path from "node:path";

export const PACKAGE_ROOT = fileURLToPath(new URL("../", import.meta.url));
export const SCHEMA_DIR = path.join(PACKAGE_ROOT, "schemas");
export const MODELS_DIR = path.join(PACKAGE_ROOT, "models");
// The studio's page (static HTML, CSS and a script), served as it is from the package.
export const STUDIO_PAGE_DIR = path.join(PACKAGE_ROOT, "src", "studio", "page");

// True when `child` is `parent` itself or lies below it.
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

// A file as people read it: relative to the working folder when inside it, else as it is.
export function shownPath(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  return rel && isInside(cwd, file) ? rel : file;
}
