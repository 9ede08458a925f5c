// The free preview makes a stand-in for every mode: text-to-video a slate with the prompt, reference-to-video
// the references side by side (so the cast can be checked before anything is paid for).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { findMediaTools } from "../../src/index.js";
import { runInProcess } from "../../testkit/cli.js";
import { TINY_PREVIEWS } from "../../testkit/tiny-provider.js";
import { makeProject } from "../helpers/project.js";

const RED: [number, number, number] = [220, 20, 20];
const BLUE: [number, number, number] = [20, 20, 220];

test("preview stand-ins: a slate for text-to-video, the references side by side for reference-to-video", async () => {
  const { dir, file } = await makeProject({
    images: { "keeper.png": [480, 320, RED], "boy.png": [480, 320, BLUE] },
    storyboard: {
      version: 1,
      shots: [
        { id: "storm", prompt: "black waves break over the rocks at night", duration: 5 },
        {
          id: "meeting",
          model: "kling-o3-pro",
          references: ["images/keeper.png", "images/boy.png"],
          prompt: "@keeper hands @boy the lantern",
          duration: 5,
          audio: false,
        },
      ],
    },
  });
  const result = await runInProcess(["render", file, "--provider", "preview"], {
    cwd: dir,
    env: TINY_PREVIEWS,
  });
  assert.equal(result.exitCode, 0, result.stderr);
  assert.match(result.stdout + result.stderr, /rendering a slate \(text-to-video\)/);
  const report = JSON.parse(await readFile(path.join(dir, "out", "storyboard.report.json"), "utf8"));
  assert.deepEqual(
    report.shots.map((s: { mode: string; clip_duration: number }) => [s.mode, Math.round(s.clip_duration)]),
    [
      ["text-to-video", 5],
      ["reference-to-video", 5],
    ],
  );
  const clip = path.join(dir, "out", report.shots[1].clip);
  const left = pixel(clip, 0.3);
  const right = pixel(clip, 0.7);
  assert.ok(left[0]! > 150 && left[2]! < 100, `the first reference (red) is on the left: ${left}`);
  assert.ok(right[2]! > 150 && right[0]! < 100, `the second reference (blue) is on the right: ${right}`);
});

// The colour at (x of the width, the middle of the height) of the clip's first frame.
function pixel(clip: string, x: number): number[] {
  const { ffmpeg } = findMediaTools(process.env);
  const raw = execFileSync(ffmpeg, [
    "-v",
    "error",
    "-i",
    clip,
    "-frames:v",
    "1",
    "-vf",
    "scale=10:10",
    "-f",
    "rawvideo",
    "-pix_fmt",
    "rgb24",
    "-",
  ]);
  const at = (5 * 10 + Math.floor(x * 10)) * 3;
  return [raw[at]!, raw[at + 1]!, raw[at + 2]!];
}
