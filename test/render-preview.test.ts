// The preview provider: free, offline clips shaped like fal's (h264 + aac, no audio stream when audio is off).
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { listFiles, runInProcess } from "../testkit/cli.js";
import { probe } from "../testkit/ffprobe.js";
import { makeProject } from "./helpers/project.js";

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
