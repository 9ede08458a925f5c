// Clips made alike joined in process (src/media/mp4-join.ts) against each clip decoded alone: every picture the
// same (frame md5s), every clip starting where the ones before it end, and the sound within -60 dBFS of the
// clips' own samples (the AAC decoder carries a little state across a join; measured -72 dBFS); clips the join
// cannot carry over exactly say why, and ffmpeg joins them.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { readFile, writeFile } from "node:fs/promises";
import { findMediaTools } from "../../src/media/binaries.js";
import { joinMp4 } from "../../src/media/mp4-join.js";
import { stitchClip } from "../../testkit/clips.js";
import { stitchIn } from "../../testkit/stitch-film.js";
import { REPO } from "../../testkit/cli.js";
import { readMp4 } from "../../src/media/mp4.js";

const ffmpeg = (args: string[]) =>
  execFileSync("ffmpeg", ["-v", "error", "-y", ...args], { maxBuffer: 1 << 28 });

// A 1 s clip at 24 fps with stereo AAC: `bframes` gives the composition offsets and the edit x264 makes with them.
function clip(
  dir: string,
  name: string,
  o: { hue: number; bframes?: boolean; rate?: number; seconds?: number; fps?: string },
) {
  const file = path.join(dir, `${name}.mp4`);
  const seconds = o.seconds ?? 1;
  ffmpeg([
    ...["-f", "lavfi", "-i", `testsrc2=s=160x90:r=${o.fps ?? "24"}:d=${seconds},hue=h=${o.hue}`],
    ...[
      "-f",
      "lavfi",
      "-i",
      `sine=frequency=${300 + o.hue}:sample_rate=${o.rate ?? 48000}:duration=${seconds}`,
    ],
    ...["-c:v", "libx264", "-preset", o.bframes ? "veryfast" : "ultrafast", "-pix_fmt", "yuv420p"],
    ...["-c:a", "aac", "-ac", "2", "-t", String(seconds), file],
  ]);
  return file;
}

const frames = (file: string) =>
  ffmpeg(["-i", file, "-map", "0:v", "-f", "framemd5", "-"])
    .toString()
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => l.split(",").at(-1)!.trim());

const samples = (file: string) => {
  const raw = ffmpeg(["-i", file, "-map", "0:a", "-f", "f32le", "-ac", "2", "-"]);
  return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
};

for (const bframes of [false, true])
  test(`three clips joined in process${bframes ? " (B-frames)" : ""}: the same pictures and sound, each clip where the last ended`, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "storyreel-join-"));
    const clips = [0, 120, 240].map((hue, i) => clip(dir, `c${i}`, { hue, bframes, seconds: 1 + i * 0.5 }));
    const out = path.join(dir, "film.mp4");
    const joined = await joinMp4(clips, out);
    assert.deepEqual(joined, { kind: "joined", seconds: 4.5 });
    const read = await readMp4(out);
    assert.equal(read.kind === "read" && read.info.duration, 4.5);
    assert.deepEqual(frames(out), clips.flatMap(frames));
    const got = samples(out);
    const want = clips.map(samples);
    assert.equal(
      got.length,
      want.reduce((t, s) => t + s.length, 0),
    );
    let worst = 0;
    let at = 0;
    for (const part of want) {
      for (let i = 0; i < part.length; i++) worst = Math.max(worst, Math.abs(got[at + i]! - part[i]!));
      at += part.length;
    }
    assert.ok(
      20 * Math.log10(worst || 1e-12) <= -60,
      `sound differs by ${(20 * Math.log10(worst)).toFixed(1)} dBFS`,
    );
  });

test("clips coded otherwise are not joined in process: the reason names the clip", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-join-"));
  const a = clip(dir, "a", { hue: 0 });
  const b = clip(dir, "b", { hue: 60, rate: 44100 });
  const result = await joinMp4([a, b], path.join(dir, "film.mp4"));
  assert.equal(result.kind, "unsupported");
  assert.match(
    result.kind === "unsupported" ? result.why : "",
    /b\.mp4: its soun track (has another timescale|is coded otherwise)/,
  );
});

test("clips whose tracks are not a whole number of the movie's ticks, or shown turned, are left to ffmpeg", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-join-"));
  // 39 frames at 30000/1001 are 1301.3 ms: a clip's edit of 1302 ms would show the next clip's first frame.
  const ntsc = [0, 120].map((hue, i) => clip(dir, `n${i}`, { hue, fps: "30000/1001", seconds: 1.3 }));
  const odd = await joinMp4(ntsc, path.join(dir, "ntsc.mp4"));
  assert.match(
    odd.kind === "unsupported" ? odd.why : "",
    /n0\.mp4: its vide track is not exactly as long as the clip/,
  );
  // The same clip shown a quarter turn round: its track header's display matrix set as a phone's camera sets it.
  const turned = clip(dir, "turned", { hue: 60 });
  const bytes = await readFile(turned);
  const at = bytes.indexOf("tkhd", 0, "latin1") + 44; // version 0: the matrix after 40 bytes of fields
  for (const [i, v] of [0, 0x10000, 0, 0xffff0000, 0].entries())
    bytes.writeUInt32BE(v, at + [0, 4, 8, 12, 16][i]!);
  await writeFile(turned, bytes);
  const mixed = await joinMp4([clip(dir, "flat", { hue: 0 }), turned], path.join(dir, "turned.mp4"));
  assert.match(
    mixed.kind === "unsupported" ? mixed.why : "",
    /turned\.mp4: its vide track is shown otherwise/,
  );
});

test("a film of cuts between clips made alike is joined without starting ffmpeg", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-join-"));
  const clips = await Promise.all([0, 90].map((hue, i) => stitchClip(clip(dir, `c${i}`, { hue }))));
  const log = path.join(dir, "ffmpeg.log");
  await writeFile(log, "");
  process.env.FFMPEG_LOG = log;
  const tools = {
    ...findMediaTools(process.env),
    ffmpeg: path.join(REPO, "test/fixtures/bin/ffmpeg-logging"),
  };
  try {
    const { record } = await stitchIn(dir, clips, { tools });
    assert.equal(record.mode, "copy");
    assert.equal(record.duration, 2);
    assert.equal(await readFile(log, "utf8"), "", "no ffmpeg process was started");
  } finally {
    delete process.env.FFMPEG_LOG;
  }
});
