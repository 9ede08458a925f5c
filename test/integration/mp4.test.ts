// The in-process mp4 reader reports what ffprobe reports, spots a file cut short, and leaves the rest to ffprobe.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { readMp4 } from "../../src/media/mp4.js";
import { ffprobeMedia, probeMedia } from "../../src/media/probe.js";

const DIR = path.join(tmpdir(), "storyreel-testkit-mp4");
const VIDEO = ["-f", "lavfi", "-i", "testsrc2=s=64x48:r=24:d=0.5"];
const SINE = ["-f", "lavfi", "-i", "sine=d=0.5"];

// Each variant once per machine, like testkit's clips: the ffmpeg outputs the reader must agree with ffprobe on.
const VARIANTS: Record<string, string[]> = {
  "plain.mp4": [...VIDEO, ...SINE],
  "full-range.mp4": [...VIDEO, "-pix_fmt", "yuvj420p"],
  "pc-range-colr.mp4": [...VIDEO, "-color_range", "pc"],
  "chroma-422.mp4": [...VIDEO, "-pix_fmt", "yuv422p"],
  "chroma-444.mp4": [...VIDEO, "-pix_fmt", "yuv444p"],
  "ten-bit.mp4": [...VIDEO, "-pix_fmt", "yuv420p10le"],
  "odd-size.mp4": ["-f", "lavfi", "-i", "testsrc2=s=66x38:r=25:d=0.5", "-pix_fmt", "yuv420p"],
  "ntsc-mono-48k.mp4": [
    ...["-f", "lavfi", "-i", "testsrc2=s=64x48:r=30000/1001:d=0.5"],
    ...["-f", "lavfi", "-i", "sine=r=48000:d=0.5", "-ac", "1"],
  ],
  "sar-4-3.mp4": [...VIDEO, "-vf", "setsar=4/3"],
  "scaling-lists.mp4": [...VIDEO, "-x264-params", "cqm=jvt"],
  "interlaced.mp4": [...VIDEO, "-flags", "+ildct+ilme", "-x264-params", "interlaced=1"],
  "baseline.mp4": [...VIDEO, "-profile:v", "baseline"],
  "faststart.mp4": [...VIDEO, ...SINE, "-movflags", "+faststart"],
  "quicktime.mov": [...VIDEO],
  "audio-only.mp4": [...SINE],
  // Not read in process (hevc, mp3 in mp4, fragments): ffprobe answers, so the facts are still right.
  "hevc.mp4": [...VIDEO, "-c:v", "libx265", "-x265-params", "log-level=none"],
  "mp3-audio.mp4": [...VIDEO, ...SINE, "-c:a", "libmp3lame"],
  "fragmented.mp4": [...VIDEO, "-movflags", "frag_keyframe+empty_moov"],
};

function variant(name: string): string {
  mkdirSync(DIR, { recursive: true });
  const file = path.join(DIR, name);
  if (existsSync(file)) return file;
  const tmp = `${file}.${process.pid}.tmp${path.extname(name)}`;
  execFileSync("ffmpeg", ["-v", "error", "-y", ...VARIANTS[name]!, tmp]);
  renameSync(tmp, file);
  return file;
}

test("every variant: the facts read in process equal ffprobe's, or ffprobe is asked", async () => {
  const unread: string[] = [];
  const names = Object.keys(VARIANTS);
  const files = names.map(variant);
  const references = await Promise.all(files.map((file) => ffprobeMedia("ffprobe", file)));
  for (const [i, name] of names.entries()) {
    const file = files[i]!;
    const reference = references[i]!;
    const reading = await readMp4(file);
    if (reading.kind === "read") assert.deepEqual(reading.info, reference, name);
    else {
      assert.equal(reading.kind, "unknown", `${name}: ${JSON.stringify(reading)}`);
      unread.push(name);
    }
    assert.deepEqual(await probeMedia("ffprobe", file), reference, name);
  }
  assert.deepEqual(unread, ["hevc.mp4", "mp3-audio.mp4", "fragmented.mp4"]);
});

test("a file cut short anywhere, even one ffprobe accepts, is incomplete; a file that is no mp4 goes to ffprobe", async () => {
  const dir = path.join(DIR, `cut-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const cut = (name: string, keep: (n: number) => number) => {
    const bytes = readFileSync(variant(name));
    const file = path.join(dir, `${keep(bytes.length)}-${name}`);
    writeFileSync(file, bytes.subarray(0, keep(bytes.length)));
    return file;
  };
  // moov first: ffprobe reports the full duration of a file missing half its frames.
  const halfData = cut("faststart.mp4", (n) => Math.floor(n * 0.7));
  assert.ok((await ffprobeMedia("ffprobe", halfData)).duration > 0.4, "ffprobe accepts it");
  for (const file of [
    halfData,
    cut("plain.mp4", (n) => n - 40),
    cut("plain.mp4", () => 20),
    cut("plain.mp4", () => 0),
  ]) {
    const reading = await readMp4(file);
    assert.equal(reading.kind, "incomplete", `${path.basename(file)}: ${JSON.stringify(reading)}`);
    await assert.rejects(probeMedia("ffprobe", file), /is incomplete: (it ends|it is empty)/);
  }
  const html = path.join(dir, "error-page.mp4");
  writeFileSync(html, "<html><body>502 Bad Gateway</body></html>");
  assert.equal((await readMp4(html)).kind, "unknown");
  await assert.rejects(probeMedia("ffprobe", html), /ffprobe exited with code 1/);
});
