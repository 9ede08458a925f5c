// The film's pieces and its ADTS soundtrack muxed in process (src/media/mp4-mux.ts) against the ffmpeg command
// it stands in for (args.ts muxEncodedArgs): the same pictures and the same samples, decoded, and a film the
// in-process reader and ffmpeg both read whole; a soundtrack it cannot carry says why.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { muxPiecesWithAdts } from "../../src/media/mp4-mux.js";
import { readMp4 } from "../../src/media/mp4.js";
import { fileList, muxEncodedArgs, VIDEO_CODEC } from "../../src/stitch/args.js";

const ffmpeg = (args: string[]) =>
  execFileSync("ffmpeg", ["-v", "error", "-y", ...args], { maxBuffer: 1 << 28 });

const decoded = (file: string, stream: "v" | "a") =>
  ffmpeg([
    "-i",
    file,
    "-map",
    `0:${stream}`,
    ...(stream === "v" ? ["-f", "framemd5"] : ["-f", "f32le"]),
    "-",
  ]);

test("pieces and an ADTS soundtrack muxed in process decode as ffmpeg's mux does, sample for sample", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-mux-"));
  // Pieces as the stitch encodes them (x264 with B-frames, video only), of 30, 18 and 24 frames.
  const pieces = [30, 18, 24].map((frames, i) => {
    const file = path.join(dir, `p${i}.mp4`);
    ffmpeg([
      ...["-f", "lavfi", "-i", `testsrc2=s=160x90:r=24,hue=h=${i * 90}`, "-frames:v", String(frames)],
      ...VIDEO_CODEC,
      ...["-an", "-r", "24", "-f", "mp4", file],
    ]);
    return { file, frames };
  });
  const aac = path.join(dir, "sound.aac");
  ffmpeg([
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=440:sample_rate=48000:duration=3",
    "-c:a",
    "aac",
    "-ac",
    "2",
    "-f",
    "adts",
    aac,
  ]);
  const ours = path.join(dir, "ours.mp4");
  const result = await muxPiecesWithAdts(
    pieces.map((p) => p.file),
    aac,
    ours,
  );
  assert.deepEqual(result.kind, "joined");
  const list = path.join(dir, "list.txt");
  await writeFile(
    list,
    fileList(
      pieces.map((p) => p.file),
      pieces.map((p) => p.frames / 24),
    ),
  );
  const theirs = path.join(dir, "theirs.mp4");
  ffmpeg(muxEncodedArgs(list, aac, theirs).filter((a) => a !== "-progress" && a !== "pipe:1"));
  assert.deepEqual(decoded(ours, "v"), decoded(theirs, "v"), "the same pictures");
  assert.ok(decoded(ours, "a").equals(decoded(theirs, "a")), "the same samples");
  const read = await readMp4(ours);
  assert.equal(read.kind, "read");
  assert.ok(read.kind === "read" && Math.abs(read.info.duration - 3) < 0.03, "as long as its sound");
  assert.equal(read.kind === "read" && read.info.audio?.sampleRate, 48000);
});

test("a soundtrack that is not ADTS is not muxed in process: the reason names the file", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-mux-"));
  const piece = path.join(dir, "p.mp4");
  ffmpeg([
    "-f",
    "lavfi",
    "-i",
    "testsrc2=s=160x90:r=24",
    "-frames:v",
    "12",
    ...VIDEO_CODEC,
    "-f",
    "mp4",
    piece,
  ]);
  const bad = path.join(dir, "sound.aac");
  await writeFile(bad, Buffer.alloc(64, 7));
  const result = await muxPiecesWithAdts([piece], bad, path.join(dir, "out.mp4"));
  assert.equal(result.kind, "unsupported");
  assert.match(result.kind === "unsupported" ? result.why : "", /sound\.aac: not ADTS at byte 0/);
});
