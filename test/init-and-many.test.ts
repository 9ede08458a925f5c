// `storyreel init` gives a storyboard that validates and renders at once; several storyboards share one cache.
import assert from "node:assert/strict";
import { cp, readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { listFiles, REPO, storyreel, tempDir } from "./helpers/cli.js";

test("init scaffolds a commented storyboard that validates and renders with the preview provider", async () => {
  const cwd = await tempDir("storyreel-init-");
  const init = await storyreel(["init", "my-film"], { cwd });
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
  assert.equal((await storyreel(["validate", "my-film/storyboard.yaml"], { cwd })).exitCode, 0);
  const render = await storyreel(["render", "my-film/storyboard.yaml", "--provider", "preview"], { cwd });
  assert.equal(render.exitCode, 0, render.stderr);
  assert.match(render.stdout, /out\/my-film\.mp4: 9\.5 s, 2 shots/);
  const files = await listFiles(path.join(cwd, "out"));
  for (const f of ["my-film.mp4", "my-film.html", "my-film.report.json"])
    assert.ok(files.includes(f), `${f} missing`);
  const again = await storyreel(["init", "my-film"], { cwd });
  assert.equal(again.exitCode, 2);
  assert.match(again.stderr, /already exists; storyreel init never overwrites/);
});

test("render manifests/*.yaml: each storyboard gets its own film, and a shared shot is generated once", async () => {
  const dir = await tempDir("storyreel-many-");
  await cp(path.join(REPO, "manifests"), path.join(dir, "manifests"), { recursive: true });
  const cache = path.join(dir, "cache");
  const plan = await storyreel(
    [
      "plan",
      "manifests/demo.yaml",
      "manifests/teaser.yaml",
      "--provider",
      "preview",
      "--cache-dir",
      cache,
      "--json",
    ],
    { cwd: dir },
  );
  const [demo, teaser] = JSON.parse(plan.stdout) as Array<{ shots: Array<{ id: string; key: string }> }>;
  const shared = teaser!.shots.find((s) => s.id === "spiral")!.key;
  assert.equal(
    demo!.shots.find((s) => s.id === "spiral")!.key,
    shared,
    "the teaser's spiral is the demo's spiral",
  );
  const r = await storyreel(
    ["render", "manifests/demo.yaml", "manifests/teaser.yaml", "--provider", "preview", "--cache-dir", cache],
    { cwd: dir },
  );
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(
    r.stderr,
    /6 clips to generate/,
    "5 demo clips + 1 teaser-only clip: the shared one counts once",
  );
  assert.match(r.stdout, /out\/demo\.mp4: 22\.0 s/);
  assert.match(r.stdout, /out\/teaser\.mp4: 9\.5 s/);
  const clips = (await listFiles(path.join(cache, "clips"))).filter((f) => f.endsWith(".mp4"));
  assert.equal(clips.length, 6);
});
