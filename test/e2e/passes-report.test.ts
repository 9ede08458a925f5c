// A render with passes, offline (the preview provider's stand-ins), as the report, the contact sheet and the
// export see it: each shot's passes and finished clip in the report, the clip and the finished clip side by side
// with a poster each, and timelines whose media is the finished clip with the passes in its metadata.
import assert from "node:assert/strict";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { before, test } from "node:test";
import { storyreel, tempDir } from "../../testkit/cli.js";
import { solidPng } from "../helpers/png.js";

const BOARD = `version: 1
title: Passes
output: out/passes.mp4
render:
  upscale: 1080p
defaults: { model: sora-2, duration: 4 }
shots:
  - id: warning
    image: images/keeper.png
    prompt: the keeper looks up and speaks
    voiceover: { text: "The light must not go out tonight.", voice: am_michael }
    lipsync: true
  - id: storm
    image: images/keeper.png
    prompt: black waves break over the rocks
`;

let dir: string;
const run = (...args: string[]) =>
  storyreel([...args, "storyboard.yaml", "--provider", "preview"], {
    cwd: dir,
    env: { STORYREEL_CACHE_DIR: path.join(dir, "cache") },
  });

interface Shot {
  id: string;
  key: string;
  clip?: string;
  poster?: string;
  passes?: Array<{ id: string; kind: string; status: string; key: string; clip?: string }>;
  finished?: { key: string; clip?: string; poster?: string };
}

before(async () => {
  dir = await tempDir("storyreel-passes-report-");
  await mkdir(path.join(dir, "images"));
  await writeFile(path.join(dir, "images", "keeper.png"), solidPng(640, 360, [200, 80, 40]));
  await writeFile(path.join(dir, "storyboard.yaml"), BOARD);
  const render = await run("render");
  assert.equal(render.exitCode, 0, render.stderr);
});

const exists = (file: string) =>
  stat(path.join(dir, "out", file)).then(
    () => true,
    () => false,
  );

test("the report gives each shot's passes and its finished clip; the contact sheet plays both, each with a poster", async () => {
  const report = JSON.parse(await readFile(path.join(dir, "out", "passes.report.json"), "utf8"));
  const [warning, storm] = report.shots as Shot[];
  assert.deepEqual(
    warning!.passes!.map((p) => [p.id, p.status]),
    [
      ["lipsync:warning", "generated"],
      ["upscale:warning@1080p", "generated"],
    ],
  );
  assert.deepEqual(
    storm!.passes!.map((p) => [p.id, p.status]),
    [["upscale:storm@1080p", "generated"]],
  );
  for (const shot of [warning!, storm!]) {
    assert.equal(shot.finished!.key, shot.passes!.at(-1)!.key);
    for (const file of [shot.clip!, shot.poster!, shot.finished!.clip!, shot.finished!.poster!])
      assert.ok(await exists(file), `${shot.id}: ${file}`);
    assert.notEqual(shot.finished!.poster, shot.poster);
  }
  const html = await readFile(path.join(dir, "out", "passes.html"), "utf8");
  const card = /<div class="card" id="shot-warning">[\s\S]*?\n {4}<\/div>/.exec(html)![0];
  const videos = [...card.matchAll(/<video src="([^"]+)" poster="([^"]+)"/g)].map((m) => [m[1], m[2]]);
  assert.deepEqual(videos, [
    [warning!.clip, warning!.poster],
    [warning!.finished!.clip, warning!.finished!.poster],
  ]);
  assert.match(card, /lip-sync \(kling-lipsync\)[\s\S]*→[\s\S]*upscale to 1080p \(bytedance-upscaler\)/);
});

test("export: OTIO and MLT name each shot's finished clip, with its passes in the clip's metadata", async () => {
  const report = JSON.parse(await readFile(path.join(dir, "out", "passes.report.json"), "utf8"));
  const finished = (report.shots as Shot[]).map((s) => s.finished!.key);
  const otioRun = await run("export", "--format", "otio");
  assert.equal(otioRun.exitCode, 0, otioRun.stderr);
  const otio = JSON.parse(await readFile(path.join(dir, "out", "passes.otio"), "utf8"));
  const video = otio.tracks.children[0].children.filter(
    (c: { OTIO_SCHEMA: string }) => c.OTIO_SCHEMA === "Clip.2",
  );
  assert.deepEqual(
    video.map((c: { media_references: { DEFAULT_MEDIA: { target_url: string } } }) =>
      path.basename(c.media_references.DEFAULT_MEDIA.target_url),
    ),
    finished.map((k) => `${k}.mp4`),
  );
  assert.deepEqual(
    video[0].metadata.storyreel.passes.map((p: { kind: string }) => p.kind),
    ["lipsync", "upscale"],
  );
  const mltRun = await run("export", "--format", "mlt");
  assert.equal(mltRun.exitCode, 0, mltRun.stderr);
  const mlt = await readFile(path.join(dir, "out", "passes.mlt"), "utf8");
  const resources = [
    ...mlt.matchAll(/<producer id="clip\d+"[^>]*>\s*<property name="resource">([^<]+)</g),
  ].map((m) => path.basename(m[1]!));
  assert.deepEqual(
    resources,
    finished.map((k) => `${k}.mp4`),
  );
});
