// A frame taken for a continued shot is the clip's frame, pixel for pixel: the last frame against the last of
// every frame decoded, on ffmpeg 5.1 and the bundled 4.1, with B-frames, a long GOP, and sound that outlasts
// the picture (the quarter second before the container's end then holds no frame, and the last second is read).
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { execa } from "execa";
import { findMediaTools, type MediaTools } from "../../src/media/binaries.js";
import { writeFrame } from "../../src/media/frame.js";
import { alone, BUNDLED, makeClip } from "../../testkit/clips.js";

const SYSTEM = findMediaTools(process.env);
// Each ffmpeg alone (no quick one beside it), then the pair findMediaTools gives.
const toolsets = [alone(SYSTEM), alone(BUNDLED), SYSTEM];

// The md5 of each decoded frame as rgb24, in presentation order.
async function rgbFrames(ffmpeg: string, file: string, extra: string[] = []): Promise<string[]> {
  const { stdout } = await execa(ffmpeg, [
    "-v",
    "error",
    "-i",
    file,
    ...extra,
    "-map",
    "0:v:0",
    "-pix_fmt",
    "rgb24",
    "-f",
    "framemd5",
    "-",
  ]);
  return stdout
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => l.split(",").at(-1)!.trim());
}

async function bframesClip(dir: string, videoSeconds: number, audioSeconds: number): Promise<string> {
  const file = path.join(dir, `b-${videoSeconds}-${audioSeconds}.mp4`);
  await execa("ffmpeg", [
    ...["-v", "error", "-y"],
    ...["-f", "lavfi", "-i", `testsrc2=s=320x180:r=24:d=${videoSeconds}`],
    ...["-f", "lavfi", "-i", `sine=frequency=440:sample_rate=48000:duration=${audioSeconds}`],
    ...["-c:v", "libx264", "-preset", "medium", "-bf", "3", "-g", "50", "-pix_fmt", "yuv420p"],
    ...["-c:a", "aac", file],
  ]);
  return file;
}

test("the last frame is the last decoded frame, on both ffmpegs, whatever the GOP and the sound's end", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-last-frame-"));
  const clips = [
    makeClip({ w: 1280, h: 720, fps: 24, seconds: 5, audio: true, gop: 48 }),
    makeClip({ seconds: 5, audio: true, sampleRate: 48000, frequency: 440, gop: null }),
    await bframesClip(dir, 3, 3),
    await bframesClip(dir, 2, 2.6),
  ];
  for (const clip of clips) {
    const frames = await rgbFrames(SYSTEM.ffmpeg, clip);
    assert.deepEqual(await rgbFrames(BUNDLED.ffmpeg, clip), frames, "both ffmpegs decode the same frames");
    for (const [k, tools] of toolsets.entries()) {
      const out = path.join(dir, `${path.basename(clip)}-${k}.png`);
      await writeFrame(tools, clip, "last", out);
      assert.deepEqual(
        await rgbFrames(SYSTEM.ffmpeg, out),
        [frames.at(-1)],
        `${path.basename(clip)}, ${tools.ffmpeg}`,
      );
    }
  }
});

test("a numbered frame and the first are the clip's; a quick ffmpeg that fails leaves the frame to the configured one", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-frame-"));
  const clip = await bframesClip(dir, 3, 3);
  const frames = await rgbFrames(SYSTEM.ffmpeg, clip);
  const broken: MediaTools = { ...alone(SYSTEM), quickFfmpeg: "/bin/false" };
  for (const [k, tools] of [...toolsets, broken].entries())
    for (const [at, index] of [
      ["first", 0],
      [1, 24],
      [2.5, 60],
    ] as const) {
      const out = path.join(dir, `${at}-${k}.png`);
      await writeFrame(tools, clip, at, out);
      assert.deepEqual(await rgbFrames(SYSTEM.ffmpeg, out), [frames[index]], `frame ${at}, ${tools.ffmpeg}`);
    }
});
