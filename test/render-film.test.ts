// `storyreel render` end to end with the preview provider: the demo film, the up-to-date skip, damaged clips, ffmpeg failures.
import assert from "node:assert/strict";
import { execa } from "execa";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { before, test } from "node:test";
import { REPO, storyreel, tempDir } from "./helpers/cli.js";
import { BUNDLED } from "./helpers/clips.js";

const bin = path.join(REPO, "test", "fixtures", "bin");
let cache: string;
let out: string;
const demo = (args: string[] = [], env: Record<string, string> = {}) =>
  storyreel(
    [
      "render",
      "manifests/demo.yaml",
      "--provider",
      "preview",
      "--cache-dir",
      cache,
      "--out",
      path.join(out, "demo.mp4"),
      ...args,
    ],
    { env },
  );

async function streams(file: string) {
  const { stdout } = await execa("ffprobe", [
    "-v",
    "error",
    "-print_format",
    "json",
    "-show_format",
    "-show_streams",
    file,
  ]);
  const json = JSON.parse(stdout) as {
    format: { duration: string };
    streams: Array<{ codec_type: string; duration: string }>;
  };
  return {
    duration: Number(json.format.duration),
    types: json.streams.map((s) => s.codec_type),
    durations: json.streams.map((s) => Number(s.duration)),
  };
}

before(async () => {
  cache = await tempDir("storyreel-film-cache-");
  out = await tempDir("storyreel-film-out-");
});

test("the demo renders to one film: a video and an audio stream of the planned length, shots in order", async () => {
  const r = await demo();
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /demo\.mp4: 22\.0 s, 5 shots \(normalised\)/);
  const film = await streams(path.join(out, "demo.mp4"));
  assert.deepEqual(film.types, ["video", "audio"]);
  // 5 clips of 5 s, one trimmed to 4 s, minus 0.5 + 0.5 + 1 s of transitions.
  for (const d of [film.duration, ...film.durations]) assert.ok(Math.abs(d - 22) <= 1 / 24, `duration ${d}`);
  const record = JSON.parse(await readFile(path.join(out, "demo.film.json"), "utf8"));
  assert.deepEqual(
    record.clips.map((c: { shot: string }) => c.shot),
    ["dawn", "spiral", "garden", "weave", "tower"],
  );
});

test("a second render is up to date and runs no ffmpeg or ffprobe at all", async () => {
  const log = path.join(out, "ffmpeg.log");
  await writeFile(log, "");
  const r = await demo([], {
    FFMPEG_PATH: path.join(bin, "ffmpeg-logging"),
    FFPROBE_PATH: path.join(bin, "ffprobe-logging"),
    FFMPEG_LOG: log,
  });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /demo\.mp4 is up to date/);
  assert.equal(await readFile(log, "utf8"), "", "no ffmpeg process was started");
});

test("a damaged cached clip is detected and regenerated; with --offline it is named instead", async () => {
  const sidecars = (await readdir(path.join(cache, "clips"))).filter((f) => f.endsWith(".json"));
  const dawn = sidecars.map((f) => path.join(cache, "clips", f))[0] as string;
  const key = path.basename(dawn, ".json");
  const shot = JSON.parse(await readFile(dawn, "utf8")).shot as string;
  await writeFile(path.join(cache, "clips", `${key}.mp4`), "not a video any more");
  await rm(path.join(out, "demo.mp4"));
  const offline = await demo(["--offline"]);
  assert.equal(offline.exitCode, 1);
  assert.match(
    offline.stderr,
    new RegExp(`cached clips are damaged or missing: ${shot} \\(size \\d+ differs`),
  );
  const healed = await demo();
  assert.equal(healed.exitCode, 0, healed.stderr);
  assert.match(healed.stderr, /Clips: 1 generated/);
  assert.match(healed.stdout, /demo\.mp4: 22\.0 s/);
});

test("an ffmpeg failure shows the quoted command and the tail of its stderr, and leaves no broken film", async () => {
  await rm(path.join(out, "demo.mp4"));
  const r = await demo([], { FFMPEG_PATH: path.join(bin, "ffmpeg-failing") });
  assert.equal(r.exitCode, 1);
  assert.match(r.stderr, /ffmpeg-failing -v error -y -nostdin -progress 'pipe:1' .*-filter_complex '/);
  assert.match(
    r.stderr,
    /exited with code 1:\n\[libx264 @ 0x55\] broken pipe while encoding\nConversion failed!/,
  );
  assert.deepEqual(
    (await readdir(out)).filter((f) => f.includes("demo.mp4")),
    [],
    "no partial film at the output path",
  );
});

test("the whole demo also renders with the bundled ffmpeg 4.1", async () => {
  const dir = await tempDir("storyreel-film-41-");
  const r = await storyreel(
    [
      "render",
      "manifests/demo.yaml",
      "--provider",
      "preview",
      "--cache-dir",
      path.join(dir, "cache"),
      "--out",
      path.join(dir, "demo.mp4"),
    ],
    {
      env: { FFMPEG_PATH: BUNDLED.ffmpeg, FFPROBE_PATH: BUNDLED.ffprobe },
    },
  );
  assert.equal(r.exitCode, 0, r.stderr);
  const film = await streams(path.join(dir, "demo.mp4"));
  assert.deepEqual(film.types, ["video", "audio"]);
  assert.ok(Math.abs(film.duration - 22) <= 1 / 24, `duration ${film.duration}`);
});
