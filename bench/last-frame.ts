// `last-frame`: taking a 5 s 720p clip's last frame (a continuity link's local step), the way the frame step
// takes it, against the way it was taken before (every frame of the last second written over one image).
import { execa } from "execa";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { frameAttempts } from "../src/media/frame.js";
import type { MediaTools } from "../src/media/binaries.js";
import { makeClip } from "../testkit/clips.js";
import { median, type Result, timed } from "./lib.js";

const before = (clip: string, out: string) => [
  "-hide_banner",
  "-nostdin",
  "-v",
  "error",
  "-y",
  "-sseof",
  "-1",
  "-i",
  clip,
  "-map",
  "0:v:0",
  "-update",
  "1",
  "-f",
  "image2",
  out,
];

export async function lastFrame(tools: MediaTools, runs: number): Promise<Result> {
  const clip = makeClip({ w: 1280, h: 720, fps: 24, seconds: 5, audio: true, gop: 48 });
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-frame-"));
  // The frame step runs the quick (static) ffmpeg when there is one; the configured one's time is shown beside.
  const quick = tools.quickFfmpeg ?? tools.ffmpeg;
  const take = (ffmpeg: string, out: string) => execa(ffmpeg, frameAttempts(clip, "last", out)[0]!);
  const now: number[] = [];
  const configured: number[] = [];
  const old: number[] = [];
  for (let i = 0; i < Math.max(5, runs); i++) {
    now.push((await timed(() => take(quick, path.join(dir, `n${i}.png`)))).ms);
    configured.push((await timed(() => take(tools.ffmpeg, path.join(dir, `c${i}.png`)))).ms);
    old.push((await timed(() => execa(tools.ffmpeg, before(clip, path.join(dir, `o${i}.png`))))).ms);
  }
  const others =
    quick === tools.ffmpeg
      ? ""
      : `; with ${tools.ffmpeg} (no quick one): ${median(configured).toFixed(0)} ms`;
  return {
    id: "last-frame",
    what: "take the last frame of a 5 s 720p clip (24 fps), one ffmpeg process",
    value: `${median(now).toFixed(0)} ms${others}`,
    anchor: `each of the last second's frames written over one image (before): ${median(old).toFixed(0)} ms`,
    target: "<= 50 ms",
    met: median(now) <= 50,
    detail: { ffmpeg: quick, now, configured, old },
  };
}
