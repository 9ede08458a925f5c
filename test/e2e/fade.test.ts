// A fade through black looks the same on ffmpeg 5.1 (xfade) and the bundled 4.1 (no xfade): symmetric, whole
// frames, and down to legal black (luma 16), never below. Measured on the film's luma, frame by frame.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { findMediaTools, type MediaTools } from "../../src/media/binaries.js";
import { BUNDLED, stitchClip } from "../../testkit/clips.js";
import { stitchIn } from "../../testkit/stitch-film.js";

// A solid grey clip (luma about 180), made once.
function greyClip(): string {
  const dir = path.join(tmpdir(), "storyreel-testkit-clips");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "grey-160x90-24-2.mp4");
  if (existsSync(file)) return file;
  const tmp = `${file}.${process.pid}.tmp.mp4`;
  execFileSync("ffmpeg", [
    ...["-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0xb4b4b4:s=160x90:r=24:d=2"],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "24", tmp],
  ]);
  execFileSync("mv", [tmp, file]);
  return file;
}

async function lumaCurve(tools: MediaTools): Promise<number[]> {
  const clip = greyClip();
  const clips = [
    await stitchClip(clip),
    await stitchClip(clip, { key: "second", transition: { type: "fade", duration: 0.5 } }),
  ];
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-fade-"));
  const { output } = await stitchIn(dir, clips, { tools });
  const stats = execFileSync("ffmpeg", [
    ...["-v", "error", "-i", output, "-vf", "signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=-"],
    ...["-f", "null", "-"],
  ]).toString();
  return [...stats.matchAll(/YAVG=([\d.]+)/g)].map((m) => Number(m[1]));
}

for (const [name, tools] of [
  ["ffmpeg on PATH", findMediaTools(process.env)],
  ["the bundled ffmpeg 4.1", BUNDLED],
] as const) {
  test(`a fade through black with ${name}: symmetric, frame-exact, to legal black`, async () => {
    const luma = await lumaCurve(tools);
    // 2 s + 2 s less the 0.5 s (12 frames) the two clips share.
    assert.equal(luma.length, 84);
    const full = luma[0]!;
    assert.ok(full > 160, `the clips' luma is ${full}`);
    // The window is frames 36..47; outside it the picture is untouched.
    for (const i of [...Array(36).keys(), ...Array.from({ length: 36 }, (_, k) => 48 + k)])
      assert.ok(Math.abs(luma[i]! - full) < 1.5, `frame ${i}: ${luma[i]}`);
    const window = luma.slice(36, 48);
    assert.ok(Math.min(...window) >= 15.5, `below legal black: ${window.map(Math.round)}`);
    assert.ok(Math.min(...window) <= 18, `never reaches black: ${window.map(Math.round)}`);
    // A mirror image about the middle of the 12 frames: six frames out to black, six frames in from it.
    const darkest = window.indexOf(Math.min(...window));
    assert.equal(darkest, 5, `darkest at ${darkest}: ${window.map(Math.round)}`);
    for (let k = 0; k < 6; k++)
      assert.ok(Math.abs(window[5 - k]! - window[6 + k]!) < 3, `asymmetric: ${window.map(Math.round)}`);
    // Evenly spaced steps, the same on the way down as on the way up.
    const steps = window.slice(0, 6).map((y, k) => (k === 0 ? full - y : window[k - 1]! - y));
    for (const step of steps) assert.ok(Math.abs(step - steps[0]!) < 3, `uneven: ${window.map(Math.round)}`);
  });
}
