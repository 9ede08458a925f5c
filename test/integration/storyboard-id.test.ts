// A storyboard's identity for the spend ledger: the same in every clone of its repository, whatever the clone's
// remotes; different for an unrelated project with the same file name.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { tempDir } from "../../testkit/cli.js";
import { storyboardIdentity } from "../../src/util/storyboard-id.js";

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd, stdio: "pipe" });

async function repo(title: string): Promise<string> {
  const dir = await tempDir("storyreel-id-");
  await mkdir(path.join(dir, "films"));
  await writeFile(path.join(dir, "films", "storyboard.yaml"), `version: 1\ntitle: ${title}\n`);
  git(dir, "init", "-q");
  git(dir, "add", ".");
  git(dir, "commit", "-qm", title);
  return dir;
}

test("clones share an identity (a remote added or not); an unrelated project does not; a shallow clone says so", async () => {
  const a = await repo("lighthouse");
  git(a, "remote", "add", "origin", "git@github.com:team/lighthouse.git");
  const clones = await tempDir("storyreel-clones-");
  git(clones, "clone", "-q", a, "b");
  git(clones, "clone", "-q", "--depth", "1", `file://${a}`, "shallow");
  const id = (dir: string) => storyboardIdentity(path.join(dir, "films", "storyboard.yaml"));
  const first = id(a);
  assert.match(first.repo, /^git:[0-9a-f]{40}$/);
  assert.equal(first.path, "films/storyboard.yaml");
  assert.deepEqual(
    id(path.join(clones, "b")),
    first,
    "a full clone, with another origin, is the same storyboard",
  );
  assert.notEqual(id(await repo("harbour")).repo, first.repo, "an unrelated project is not");
  assert.match(
    id(path.join(clones, "shallow")).repo,
    /^origin:/,
    "a shallow clone has no first commit to go by",
  );
  const loose = await tempDir("storyreel-loose-");
  await writeFile(path.join(loose, "storyboard.yaml"), "version: 1\n");
  assert.deepEqual(storyboardIdentity(path.join(loose, "storyboard.yaml")), {
    path: "storyboard.yaml",
    repo: "",
  });
});
