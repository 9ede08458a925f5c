// How the spend ledger names a storyboard: its path inside its git repository (the same on every clone and
// machine) and the repository's identity (its first commit; a shallow clone, which lacks it, goes by its origin
// remote), so two unrelated `storyboard.yaml` projects on one
// cache never share a budget. Outside git there is no identity two machines' copies share but the file name:
// it is used alone, as it always was.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

export interface StoryboardIdentity {
  // Shown to people: the path in the repository ("films/storyboard.yaml"), or the file name.
  path: string;
  // "git:<first commit>" (the same in every full clone, whatever its remotes), "origin:<host/path>" (a shallow
  // clone, or no commit yet), "dir:<its folder>" (neither), or "" outside a repository.
  repo: string;
}

// Path as the ledger names it (kept for callers that only show it).
export function storyboardId(file: string): string {
  return storyboardIdentity(file).path;
}

const repos = new Map<string, string>();

export function storyboardIdentity(file: string): StoryboardIdentity {
  const abs = path.resolve(file);
  for (let dir = path.dirname(abs); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, ".git")))
      return { path: path.relative(dir, abs).split(path.sep).join("/"), repo: repoIdentity(dir) };
    if (path.dirname(dir) === dir) return { path: path.basename(abs), repo: "" };
  }
}

function repoIdentity(root: string): string {
  const known = repos.get(root);
  if (known) return known;
  const id = firstCommit(root) ?? originUrl(root) ?? `dir:${root}`;
  repos.set(root, id);
  return id;
}

// The root commit is the same in every full clone (the smallest hash, when a history has several roots); a
// shallow clone does not have it.
function firstCommit(root: string): string | undefined {
  // Loaded here: a start with no git to ask does without child_process (about 2 ms).
  const { execFileSync } = createRequire(import.meta.url)(
    "node:child_process",
  ) as typeof import("node:child_process");
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "safe.directory=*", ...args], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 5000,
    });
  try {
    if (git("rev-parse", "--is-shallow-repository").trim() === "true") return undefined;
    const roots = git("rev-list", "--max-parents=0", "HEAD")
      .split("\n")
      .filter((l) => /^[0-9a-f]{40,64}$/.test(l));
    return roots.length > 0 ? `git:${roots.sort()[0]}` : undefined;
  } catch {
    // No git on this machine, or a repository with no commits yet.
    return undefined;
  }
}

// "git@github.com:team/film.git" and "https://github.com/team/film" are one repository: github.com/team/film.
function originUrl(root: string): string | undefined {
  try {
    const config = readFileSync(path.join(root, ".git", "config"), "utf8");
    const url = /\[remote "origin"\][^[]*?\burl\s*=\s*(\S+)/.exec(config)?.[1];
    if (!url) return undefined;
    const scp = /^[^/@:]+@([^:/]+):(.*)$/.exec(url);
    const plain = scp ? `${scp[1]}/${scp[2]}` : url.replace(/^[a-z+]+:\/\/([^@/]*@)?/i, "");
    return `origin:${plain
      .replace(/\.git\/?$/, "")
      .replace(/\/+$/, "")
      .toLowerCase()}`;
  } catch {
    // A worktree's .git is a file, or there is no config: no origin to go by.
    return undefined;
  }
}
