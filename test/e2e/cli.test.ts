// The CLI surface: help, version, exit codes, and errors on stderr. Three smoke tests run the real
// bin/storyreel.js (help, version, one render); the rest run the CLI in process.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cp, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { listFiles, REPO, runInProcess, storyreel, tempDir } from "../../testkit/cli.js";
import { probe } from "../../testkit/ffprobe.js";
import { TINY_PREVIEWS } from "../../testkit/tiny-provider.js";

const VERSION = JSON.parse(readFileSync(`${REPO}/package.json`, "utf8")).version;

test("--help lists the commands and exit codes on stdout (real process)", async () => {
  const r = await storyreel(["--help"]);
  assert.equal(r.exitCode, 0);
  for (const word of ["validate", "plan", "render", "Exit codes"]) assert.match(r.stdout, new RegExp(word));
  assert.equal(r.stderr, "");
});

test("--version prints package.json's version (real process)", async () => {
  const r = await storyreel(["--version"]);
  assert.equal(r.stdout.trim(), VERSION);
});

test("--help, -h and no command print the usage in process too; -v the version", async () => {
  for (const args of [["--help"], ["-h"], []]) {
    const r = await runInProcess(args);
    assert.equal(r.exitCode, 0);
    for (const word of ["validate", "plan", "render", "Exit codes"]) assert.match(r.stdout, new RegExp(word));
    assert.equal(r.stderr, "");
  }
  assert.equal((await runInProcess(["-v"])).stdout, `${VERSION}\n`);
});

test("an unknown command or option is exit 2 with usage on stderr", async () => {
  const cmd = await runInProcess(["rendr"]);
  assert.equal(cmd.exitCode, 2);
  assert.match(cmd.stderr, /unknown command "rendr"/);
  const opt = await runInProcess(["plan", "manifests/demo.yaml", "--provder", "fal"]);
  assert.equal(opt.exitCode, 2);
  assert.match(opt.stderr, /Unknown option '--provder'/);
  const prov = await runInProcess(["plan", "manifests/demo.yaml", "--provider", "replicate"]);
  assert.equal(prov.exitCode, 2);
  assert.match(prov.stderr, /--provider must be fal or preview/);
});

test("validate the demo storyboard: exit 0, a summary on stdout", async () => {
  const r = await runInProcess(["validate", "manifests/demo.yaml"]);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /manifests\/demo\.yaml: valid: 5 shots/);
});

test("a missing storyboard file names the file", async () => {
  const r = await runInProcess(["validate", "manifests/nope.yaml"]);
  assert.equal(r.exitCode, 2);
  assert.equal(r.stderr.trim(), "manifests/nope.yaml: file not found");
});

test("doctor names the binaries, their capabilities and whether FAL_KEY is set, never its value", async () => {
  const r = await runInProcess(["doctor", "--cache-dir", "/nonexistent-cache"], {
    env: { FAL_KEY: "sk-doctor-secret" },
  });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /^ffmpeg\s+\S+ffmpeg \((path|env|bundled)\), version \S+/m);
  assert.match(r.stdout, /^filters\s+xfade: (yes|no)/m);
  assert.match(r.stdout, /^FAL_KEY\s+set$/m);
  assert.match(r.stdout, /cache\s+\/nonexistent-cache: 0 clips, 0\.0 MB/);
  assert.doesNotMatch(r.stdout + r.stderr, /sk-doctor-secret/);
});

test("the README's demo through bin/storyreel.js (real process): the film, its report and contact sheet; then up to date", async () => {
  const dir = await tempDir("storyreel-demo-");
  await cp(path.join(REPO, "manifests"), path.join(dir, "manifests"), { recursive: true });
  // Exactly what `npm run demo` runs.
  const script = JSON.parse(await readFile(path.join(REPO, "package.json"), "utf8")).scripts.demo as string;
  const demo = script.replace(/^node bin\/storyreel\.js /, "").split(" ");
  assert.deepEqual(demo, [
    "render",
    "manifests/demo.yaml",
    "manifests/lighthouse.yaml",
    "--provider",
    "preview",
  ]);
  // With 160-pixel previews (the film's size is not asserted; test/e2e/render-preview.test.ts checks 640).
  const r = await storyreel(demo, { cwd: dir, env: TINY_PREVIEWS });
  assert.equal(r.exitCode, 0, r.stderr);
  // A first render encodes every piece the film is joined from.
  assert.match(r.stdout, /^out\/demo\.mp4: 22\.0 s, 5 shots \(normalised; (\d+) of \1 pieces encoded\)$/m);
  assert.match(r.stderr, /9 clips, 3 stills and 1 sound to generate/);
  assert.match(r.stderr, /Clips: 9 generated \(\$0\.00\)/);
  // The graph storyboard: 4 shots of 5 s less a crossfade and a fade of 0.5 s; three stills, one frame taken.
  assert.match(r.stdout, /^out\/lighthouse\.mp4: 19\.0 s, 4 shots \(normalised; 6 of 6 pieces encoded\)$/m);
  const graph = JSON.parse(await readFile(path.join(dir, "out", "lighthouse.report.json"), "utf8"));
  const made = graph.steps.filter((s: { kind: string }) => s.kind !== "clip");
  assert.deepEqual(
    made.map((s: { name: string; status: string }) => `${s.name} ${s.status}`),
    ["keeper generated", "keeper-lamp generated", "keeper-lamp-close generated", "lamp@last extracted"],
  );
  for (const s of made) assert.ok((await stat(path.join(dir, "out", s.image))).size > 0, `${s.name} image`);
  const sheet = await readFile(path.join(dir, "out", "lighthouse.html"), "utf8");
  assert.match(sheet, /<h2 class="section">Stills<\/h2>/);
  assert.match(sheet, /continues <a href="#shot-lamp">lamp<\/a>/);
  const film = await probe(path.join(dir, "out", "demo.mp4"));
  assert.deepEqual(film.types, ["video", "audio"]);
  // 5 clips of 5 s, one trimmed to 4 s, minus 0.5 + 0.5 + 1 s of transitions.
  for (const d of [film.duration, ...film.durations]) assert.ok(Math.abs(d - 22) <= 1 / 24, `duration ${d}`);
  const record = JSON.parse(await readFile(path.join(dir, "out", "demo.film.json"), "utf8"));
  assert.deepEqual(
    record.clips.map((c: { shot: string }) => c.shot),
    ["dawn", "spiral", "garden", "weave", "tower"],
  );
  const files = await listFiles(path.join(dir, "out"));
  for (const f of ["demo.mp4", "demo.html", "demo.report.json", "demo.srt", "demo.vtt"])
    assert.ok(files.includes(f), `${f} missing`);
  // The demo's sound: a music bed, one voice-over (a stand-in voice offline) and a caption per shot.
  const report = JSON.parse(await readFile(path.join(dir, "out", "demo.report.json"), "utf8"));
  assert.deepEqual(
    report.sound.layers.map((l: { layer: string }) => l.layer),
    ["clips", "music", "voice-over"],
  );
  assert.equal((await readFile(path.join(dir, "out", "demo.srt"), "utf8")).match(/ --> /g)?.length, 5);
  const again = await storyreel(demo, { cwd: dir, env: TINY_PREVIEWS });
  assert.equal(again.exitCode, 0, again.stderr);
  assert.match(again.stdout, /out\/demo\.mp4 is up to date \(5 shots, 22\.0 s\)/);
  assert.match(again.stdout, /out\/lighthouse\.mp4 is up to date \(4 shots, 19\.0 s\)/);
});
