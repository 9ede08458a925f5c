// `storyreel init` (in process) gives a storyboard that validates and renders at once.
// (Several storyboards sharing one cache: "render manifests/*.yaml" in render-film.test.ts.)
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { listFiles, REPO, runInProcess, tempDir } from "../../testkit/cli.js";
import { TINY_PREVIEWS } from "../../testkit/tiny-provider.js";

test("init scaffolds a commented storyboard that validates and renders with the preview provider", async () => {
  const cwd = await tempDir("storyreel-init-");
  const init = await runInProcess(["init", "my-film"], { cwd });
  assert.equal(init.exitCode, 0, init.stderr);
  assert.deepEqual(await listFiles(path.join(cwd, "my-film")), [
    "images/closing.png",
    "images/opening.png",
    "storyboard.yaml",
  ]);
  const text = await readFile(path.join(cwd, "my-film", "storyboard.yaml"), "utf8");
  assert.match(text, /^# yaml-language-server: \$schema=\S+schemas\/storyboard\.schema\.json$/m);
  const schema = /\$schema=(\S+)/.exec(text)![1]!;
  assert.equal(path.resolve(cwd, "my-film", schema), path.join(REPO, "schemas", "storyboard.schema.json"));
  assert.equal((await runInProcess(["validate", "my-film/storyboard.yaml"], { cwd })).exitCode, 0);
  const render = await runInProcess(["render", "my-film/storyboard.yaml", "--provider", "preview"], {
    cwd,
    env: TINY_PREVIEWS,
  });
  assert.equal(render.exitCode, 0, render.stderr);
  assert.match(render.stdout, /out\/my-film\.mp4: 9\.5 s, 2 shots/);
  const files = await listFiles(path.join(cwd, "out"));
  for (const f of ["my-film.mp4", "my-film.html", "my-film.report.json"])
    assert.ok(files.includes(f), `${f} missing`);
  const again = await runInProcess(["init", "my-film"], { cwd });
  assert.equal(again.exitCode, 2);
  assert.match(again.stderr, /already exists; storyreel init never overwrites/);
});

// Every key the schema knows, as dotted paths (stills.NAME.size, shots[].voiceover.text), following $refs.
function schemaKeys(): string[] {
  const schema = JSON.parse(readFileSync(path.join(REPO, "schemas", "storyboard.schema.json"), "utf8"));
  const keys: string[] = [];
  const walk = (node: Record<string, unknown>, at: string, depth: number): void => {
    if (depth > 8 || typeof node !== "object" || node === null) return;
    const ref = node.$ref as string | undefined;
    if (ref) {
      walk(schema.definitions[ref.split("/").at(-1)!], at, depth + 1);
      return;
    }
    for (const [name, sub] of Object.entries((node.properties ?? {}) as Record<string, object>)) {
      keys.push(`${at}${name}`);
      walk(sub as Record<string, unknown>, `${at}${name}.`, depth + 1);
    }
    if (typeof node.items === "object")
      walk(node.items as Record<string, unknown>, `${at.slice(0, -1)}[].`, depth + 1);
    if (typeof node.additionalProperties === "object")
      walk(node.additionalProperties as Record<string, unknown>, `${at}NAME.`, depth + 1);
    for (const k of ["oneOf", "anyOf", "allOf"])
      for (const sub of (node[k] ?? []) as object[]) walk(sub as Record<string, unknown>, at, depth + 1);
  };
  walk(schema, "", 0);
  return keys;
}

test("the storyboard init writes shows every key of the schema, set or commented out, with what it does", async () => {
  const cwd = await tempDir("storyreel-init-");
  assert.equal((await runInProcess(["init", "film"], { cwd })).exitCode, 0);
  const text = await readFile(path.join(cwd, "film", "storyboard.yaml"), "utf8");
  const keys = schemaKeys();
  for (const must of [
    "stills.NAME.takes",
    "music.file",
    "shots[].voiceover.text",
    "shots[].caption",
    "render.budget",
  ])
    assert.ok(keys.includes(must), `the schema walk finds ${must}`);
  const lines = text.split("\n");
  for (const key of keys) {
    const name = key.split(/[.\]]/).at(-1)!;
    const line = lines.find((l) => new RegExp(`(^|[\\s{,])${name}:( |$)`).test(l));
    assert.ok(line, `the template shows ${key}`);
    assert.match(line!, /#/, `the template explains ${key}: ${line}`);
  }
});

test("init ../films/my-film names the film after the folder (out/my-film.mp4), not a path that climbs out", async () => {
  const root = await tempDir("storyreel-init-");
  const cwd = path.join(root, "work");
  await mkdir(cwd);
  const init = await runInProcess(["init", "../films/my-film"], { cwd });
  assert.equal(init.exitCode, 0, init.stderr);
  const text = await readFile(path.join(root, "films", "my-film", "storyboard.yaml"), "utf8");
  assert.match(text, /^output: out\/my-film\.mp4 /m);
  assert.match(text, /npx storyreel validate \.\.\/films\/my-film\/storyboard\.yaml/);
  const validate = await runInProcess(["validate", "../films/my-film/storyboard.yaml"], { cwd });
  assert.equal(validate.exitCode, 0, validate.stderr);
  const here = await runInProcess(["init"], { cwd });
  assert.equal(here.exitCode, 0, here.stderr);
  assert.match(await readFile(path.join(cwd, "storyboard.yaml"), "utf8"), /^output: out\/work\.mp4 /m);
});
