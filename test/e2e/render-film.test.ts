// `storyreel render` end to end with the preview provider, in process: the real demo and manifests/*.yaml, the
// up-to-date skip, damaged clips, ffmpeg failures, the bundled ffmpeg 4.1. Each test has its own state: the
// small film is rendered once in `before` and every test works on its own copy.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { cp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { before, test } from "node:test";
import { BUNDLED } from "../../testkit/clips.js";
import { listFiles, REPO, runInProcess, tempDir } from "../../testkit/cli.js";
import { probe } from "../../testkit/ffprobe.js";
import { renderTiny } from "../../testkit/render.js";
import { TINY_PREVIEWS, tinyProvider } from "../../testkit/tiny-provider.js";
import { findMediaTools, type PipelineEvent, planStoryboards, renderPlans } from "../../src/index.js";
import { MINI_FILM_SECONDS, makeProject, miniFilm } from "../helpers/project.js";

const bin = path.join(REPO, "test", "fixtures", "bin");
const near = (a: number, b: number) => Math.abs(a - b) <= 1 / 24;

// The small film rendered once; `copy()` gives a test its own project folder (storyboard, out/, cache/).
let golden: string;
before(async () => {
  // Tiny clips under the preview provider's keys: the CLI below finds them cached, as if it had made them.
  const p = await makeProject(miniFilm());
  const { films } = await renderTiny(p.file, p.dir, "cache");
  assert.equal(films[0]!.duration, MINI_FILM_SECONDS);
  assert.equal(films[0]!.mode, "normalised");
  golden = p.dir;
});

async function copy() {
  const dir = await tempDir("storyreel-film-");
  await cp(golden, dir, { recursive: true });
  const render = (args: string[] = [], env: Record<string, string> = {}) =>
    runInProcess(["render", "storyboard.yaml", "--provider", "preview", "--cache-dir", "cache", ...args], {
      cwd: dir,
      env,
    });
  return { dir, cache: path.join(dir, "cache"), film: path.join(dir, "out", "mini.mp4"), render };
}

test("manifests/*.yaml: each storyboard gets its own film of the planned length, and a shot they share is generated once", async () => {
  // The real preview provider renders the demo in cli.test.ts, through bin/storyreel.js; here tiny clips do.
  const dir = await tempDir("storyreel-many-");
  await cp(path.join(REPO, "manifests"), path.join(dir, "manifests"), { recursive: true });
  const files = ["manifests/demo.yaml", "manifests/teaser.yaml"];
  const planned = await planStoryboards({ files, cwd: dir, provider: "preview", cacheDir: "cache" });
  const [demo, teaser] = planned.films.map((f) => f.plan);
  const shared = teaser!.shots.find((s) => s.id === "spiral")!.key;
  assert.equal(demo!.shots.find((s) => s.id === "spiral")!.key, shared, "the teaser's spiral is the demo's");
  const events: PipelineEvent[] = [];
  const deps = { tools: findMediaTools(process.env), provider: async () => tinyProvider };
  const { films } = await renderPlans(planned, {}, deps, (e) => events.push(e));
  const start = events.find((e) => e.type === "start");
  assert.equal(
    start?.type === "start" && start.clips,
    7,
    "5 demo clips + 1 teaser-only clip (the shared one counts once) + the demo's voice-over",
  );
  const made = events.filter((e) => e.type === "shot" && e.state === "done");
  assert.equal(made.length, 7);
  assert.deepEqual(
    films.map((f) => [path.relative(dir, f.output), f.duration, f.clips.length]),
    [
      ["out/demo.mp4", 22, 5],
      ["out/teaser.mp4", 9.5, 2],
    ],
  );
  const clips = (await listFiles(path.join(dir, "cache", "clips"))).filter((f) => f.endsWith(".mp4"));
  assert.equal(clips.length, 6);
  for (const [name, seconds] of [
    ["demo.mp4", 22],
    ["teaser.mp4", 9.5],
  ] as const) {
    const film = await probe(path.join(dir, "out", name));
    assert.deepEqual(film.types, ["video", "audio"]);
    for (const d of [film.duration, ...film.durations]) assert.ok(near(d, seconds), `${name}: duration ${d}`);
  }
  const record = JSON.parse(await readFile(path.join(dir, "out", "demo.film.json"), "utf8"));
  assert.deepEqual(
    record.clips.map((c: { shot: string }) => c.shot),
    ["dawn", "spiral", "garden", "weave", "tower"],
  );
});

test("the small film: a video and an audio stream of the planned length, shots in order", async () => {
  const p = await copy();
  const film = await probe(p.film);
  assert.deepEqual(film.types, ["video", "audio"]);
  for (const d of [film.duration, ...film.durations]) assert.ok(near(d, MINI_FILM_SECONDS), `duration ${d}`);
  const record = JSON.parse(await readFile(path.join(p.dir, "out", "mini.film.json"), "utf8"));
  assert.deepEqual(
    record.clips.map((c: { shot: string }) => c.shot),
    ["red", "green", "blue", "night"],
  );
});

test("a second render is up to date and runs no ffmpeg or ffprobe at all", async () => {
  const p = await copy();
  const log = path.join(p.dir, "ffmpeg.log");
  await writeFile(log, "");
  const r = await p.render([], {
    FFMPEG_PATH: path.join(bin, "ffmpeg-logging"),
    FFPROBE_PATH: path.join(bin, "ffprobe-logging"),
    FFMPEG_LOG: log,
  });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /mini\.mp4 is up to date/);
  assert.equal(await readFile(log, "utf8"), "", "no ffmpeg process was started");
});

test("a damaged cached clip is detected and regenerated; with --offline it is named instead", async () => {
  const p = await copy();
  const sidecars = (await readdir(path.join(p.cache, "clips"))).filter((f) => f.endsWith(".json"));
  const first = path.join(p.cache, "clips", sidecars[0]!);
  const key = path.basename(first, ".json");
  const shot = JSON.parse(await readFile(first, "utf8")).shot as string;
  await writeFile(path.join(p.cache, "clips", `${key}.mp4`), "not a video any more");
  await rm(p.film);
  const offline = await p.render(["--offline"]);
  assert.equal(offline.exitCode, 1);
  // Offline, the damaged clip is named but left alone: its sidecar still knows where to fetch it again.
  assert.ok(existsSync(first), "the sidecar is kept");
  // With --allow-missing a slate stands in for it, and the film is made.
  const slated = await p.render(["--offline", "--allow-missing"]);
  assert.equal(slated.exitCode, 0, slated.stderr);
  assert.match(slated.stderr, /Damaged cached clips stand in as slates \(--offline\)/);
  assert.match(slated.stdout, /mini\.mp4: 18\.0 s/);
  assert.match(
    offline.stderr,
    new RegExp(`cached clips are damaged or missing: ${shot} \\(size \\d+ differs`),
  );
  const healed = await p.render();
  assert.equal(healed.exitCode, 0, healed.stderr);
  assert.match(healed.stderr, /Clips: 1 generated/);
  assert.match(healed.stdout, /mini\.mp4: 18\.0 s/);
});

test("an ffmpeg failure shows the quoted command and the tail of its stderr, and leaves no broken film", async () => {
  const p = await copy();
  await rm(p.film);
  // Nothing the film is joined from is cached, so ffmpeg must encode (the mux itself runs in process).
  await rm(path.join(p.cache, "segments"), { recursive: true, force: true });
  const r = await p.render([], { FFMPEG_PATH: path.join(bin, "ffmpeg-failing") });
  assert.equal(r.exitCode, 1);
  // The cause comes first, then the command ready to paste, then the end of ffmpeg's output.
  assert.match(
    r.stderr,
    /^error: ffmpeg-failing exited with code 1: \[libx264 @ 0x55\] broken pipe while encoding\n/m,
  );
  assert.match(
    r.stderr,
    /\ncommand: \S*ffmpeg-failing -v error -y -nostdin -progress 'pipe:1' .*-filter_complex '/,
  );
  assert.match(
    r.stderr,
    /its last output:\n\[libx264 @ 0x55\] broken pipe while encoding\nConversion failed!/,
  );
  assert.deepEqual(
    (await readdir(path.dirname(p.film))).filter((f) => f.includes("mini.mp4")),
    [],
    "no partial film at the output path",
  );
});

test("clips and film also render with the bundled ffmpeg 4.1 (no xfade: crossfade, fade, cut, trim, a silent shot)", async () => {
  const p = await makeProject(miniFilm());
  const r = await runInProcess(["render", p.file, "--provider", "preview", "--cache-dir", "cache"], {
    cwd: p.dir,
    env: { FFMPEG_PATH: BUNDLED.ffmpeg, FFPROBE_PATH: BUNDLED.ffprobe, ...TINY_PREVIEWS },
  });
  assert.equal(r.exitCode, 0, r.stderr);
  const film = await probe(path.join(p.dir, "out", "mini.mp4"));
  assert.deepEqual(film.types, ["video", "audio"]);
  assert.ok(near(film.duration, MINI_FILM_SECONDS), `duration ${film.duration}`);
});
