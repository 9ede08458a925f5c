// The preview provider: free, offline clips shaped like fal's (h264 + aac, no audio stream when audio is off).
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { listFiles, runInProcess } from "../../testkit/cli.js";
import { probe } from "../../testkit/ffprobe.js";
import { makeProject } from "../helpers/project.js";

test("preview renders every shot offline, the exact duration, audio only where asked, and caches by its own key", async () => {
  const p = await makeProject({
    images: { "land.png": [480, 320], "tall.png": [320, 480, [200, 50, 50]] },
    storyboard: {
      version: 1,
      shots: [
        { id: "loud", image: "images/land.png", prompt: "a" },
        { id: "mute", image: "images/tall.png", prompt: "b", audio: false, duration: 10 },
      ],
    },
  });
  const cache = path.join(p.dir, "cache");
  const r = await runInProcess(["render", p.file, "--provider", "preview", "--cache-dir", cache], {
    cwd: p.dir,
    env: { FAL_KEY: undefined },
  });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stderr, /Clips: 2 generated \(\$0\.00\)/);
  const sidecars = await Promise.all(
    (await listFiles(cache))
      .filter((f) => f.endsWith(".json") && f.startsWith("clips/"))
      .map(async (f) => JSON.parse(await readFile(path.join(cache, f), "utf8"))),
  );
  const byShot = Object.fromEntries(sidecars.map((s) => [s.shot, s]));
  const loud = await probe(path.join(cache, "clips", `${byShot.loud.key}.mp4`));
  const mute = await probe(path.join(cache, "clips", `${byShot.mute.key}.mp4`));
  assert.deepEqual(
    loud.streams.map((s) => `${s.codec_type}:${s.codec_name}`),
    ["video:h264", "audio:aac"],
  );
  assert.deepEqual(
    mute.streams.map((s) => `${s.codec_type}:${s.codec_name}`),
    ["video:h264"],
  );
  assert.ok(Math.abs(loud.duration - 5) < 0.05);
  assert.ok(Math.abs(mute.duration - 10) < 0.05);
  assert.deepEqual([mute.streams[0]!.width, mute.streams[0]!.height], [426, 640], "portrait stays portrait");
  const again = await runInProcess(["plan", p.file, "--provider", "preview", "--cache-dir", cache], {
    cwd: p.dir,
  });
  assert.match(again.stdout, /loud\s+cached/);
  const fal = await runInProcess(["plan", p.file, "--cache-dir", cache], { cwd: p.dir });
  assert.match(fal.stdout, /loud\s+generate/, "preview clips never stand in for paid fal clips");
});

test("a shot whose image is a URL gets a slate with its id and prompt, of the shot's length; a large photo is fine", async () => {
  const p = await makeProject({
    images: { "big.png": [3000, 2000, [30, 90, 160]] },
    storyboard: {
      version: 1,
      shots: [
        { id: "remote", image: "https://example.com/frame.png", prompt: "a lighthouse at dusk, waves below" },
        { id: "photo", image: "images/big.png", prompt: "a large photo", audio: false },
      ],
    },
  });
  const r = await runInProcess(["render", p.file, "--provider", "preview", "--cache-dir", "cache"], {
    cwd: p.dir,
  });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(
    r.stderr,
    /remote: in progress: rendering a slate \(the image is a URL; preview works offline\)/,
  );
  assert.match(r.stdout, /out\/storyboard\.mp4: 10\.0 s, 2 shots/);
  const clips = (await listFiles(path.join(p.dir, "cache", "clips"))).filter((f) => f.endsWith(".mp4"));
  const durations = await Promise.all(
    clips.map(async (c) => (await probe(path.join(p.dir, "cache", "clips", c))).duration),
  );
  for (const d of durations) assert.ok(Math.abs(d - 5) < 0.05, `clip lasts ${d}`);
});

test("slate text is wrapped and capped, so a long prompt stays on the card", async () => {
  const { wrapText } = await import("../../src/providers/slate.js");
  assert.equal(wrapText("one two three", 7), "one two\nthree");
  const long = wrapText(Array.from({ length: 200 }, () => "word").join(" "), 20, 3);
  assert.equal(long.split("\n").length, 3);
  assert.ok(long.endsWith("…"));
});

test("slates work from a folder whose name has an apostrophe and a colon", async () => {
  const p = await makeProject({
    storyboard: {
      version: 1,
      shots: [{ id: "remote", image: "https://example.com/a.png", prompt: "it's late" }],
    },
  });
  const cache = path.join(p.dir, "Bob's films: 2026", "cache");
  const r = await runInProcess(["render", p.file, "--provider", "preview", "--cache-dir", cache], {
    cwd: p.dir,
  });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /5\.0 s, 1 shot/);
});

test("STORYREEL_PREVIEW_SIZE makes smaller previews of the same aspect and length; a bad value is exit 2 before any work", async () => {
  const p = await makeProject({
    images: { "land.png": [480, 320] },
    storyboard: {
      version: 1,
      shots: [
        { id: "small", image: "images/land.png", prompt: "a" },
        { id: "card", image: "https://example.com/frame.png", prompt: "b", audio: false },
      ],
    },
  });
  const render = (size: string) =>
    runInProcess(["render", p.file, "--provider", "preview", "--cache-dir", "cache"], {
      cwd: p.dir,
      env: { STORYREEL_PREVIEW_SIZE: size },
    });
  const bad = await render("tiny");
  assert.equal(bad.exitCode, 2);
  assert.match(
    bad.stderr,
    /STORYREEL_PREVIEW_SIZE must be a whole number of pixels from 16 to 4096 \(got "tiny"\)/,
  );
  assert.deepEqual(await listFiles(path.join(p.dir, "cache")), [], "nothing made");
  const r = await render("160");
  assert.equal(r.exitCode, 0, r.stderr);
  const film = await probe(path.join(p.dir, "out", "storyboard.mp4"));
  assert.deepEqual([film.streams[0]!.width, film.streams[0]!.height], [160, 106]);
  assert.ok(Math.abs(film.duration - 10) < 0.05, `duration ${film.duration}`);
  const clips = (await listFiles(path.join(p.dir, "cache", "clips"))).filter((f) => f.endsWith(".mp4"));
  const sizes = await Promise.all(
    clips.map(async (c) => {
      const info = await probe(path.join(p.dir, "cache", "clips", c));
      return `${info.streams[0]!.width}x${info.streams[0]!.height}`;
    }),
  );
  assert.deepEqual(sizes.sort(), ["160x106", "160x90"], "the image's aspect, and a 16:9 slate");
});
