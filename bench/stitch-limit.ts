// stitch-limit: the CPU a crossfaded film's stitch costs against one x264 pass over the same frames. CPU is the
// user + system time of the ffmpeg and ffprobe processes, read from /proc/self/stat (the children this process
// has waited for), so the stitch (run in this process) and the anchor (one ffmpeg) are measured alike.
import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { findMediaTools } from "../src/media/binaries.js";
import { type Capabilities, detectCapabilities } from "../src/media/capabilities.js";
import { AUDIO_CODEC, VIDEO_CODEC } from "../src/stitch/args.js";
import { type FilmRecord, filmKey } from "../src/stitch/film.js";
import { audioGraph, videoGraph } from "../src/stitch/graph.js";
import { type StitchClip, targetProfile } from "../src/stitch/profile.js";
import { stitchFilm } from "../src/stitch/stitch.js";
import { stitchClip } from "../testkit/clips.js";
import { clip } from "./fixtures.js";
import { median, type Result } from "./lib.js";

const tools = findMediaTools(process.env);
// Five alternated pairs: one run of either side can be 5-8% off the others on a shared machine.
const RUNS = 5;

// CPU seconds of the children waited for so far (cutime + cstime, in clock ticks of 10 ms).
function childrenCpu(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

async function cpuOf(run: () => Promise<unknown>): Promise<number> {
  const before = childrenCpu();
  await run();
  return childrenCpu() - before;
}

// The film in one ffmpeg: every clip an input, the single-pass video and audio graphs, the stitch's codecs.
export function singlePassArgs(clips: StitchClip[], filter: string, maps: string[], out: string): string[] {
  return [
    ...["-v", "error", "-y", "-nostdin"],
    ...clips.flatMap((c) => ["-i", c.file]),
    ...["-filter_complex", filter],
    ...maps.flatMap((m) => ["-map", m]),
    ...VIDEO_CODEC,
    ...AUDIO_CODEC,
    ...["-movflags", "+faststart", "-f", "mp4", out],
  ];
}

// The stitch stage into a fresh segment folder: a first stitch, nothing cached.
export async function firstStitch(
  clips: StitchClip[],
  dir: string,
  capabilities: () => Promise<Capabilities>,
): Promise<FilmRecord> {
  return stitchFilm(
    {
      clips,
      render: {},
      output: path.join(dir, "ours.mp4"),
      tmpDir: path.join(dir, "tmp"),
      segmentDir: await mkdtemp(path.join(dir, "segments-")),
      tools,
      capabilities,
    },
    filmKey(clips, {}),
    Date.now,
  );
}

export async function stitchLimit(results: Result[]): Promise<void> {
  const files = Array.from({ length: 12 }, (_, i) => clip({ w: 1280, h: 720, seconds: 5, hue: i * 30 }));
  const clips = await Promise.all(
    files.map((f, i) => stitchClip(f, i > 0 ? { transition: { type: "crossfade", duration: 0.5 } } : {})),
  );
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-bench-limit-"));
  const caps = await detectCapabilities(tools.ffmpeg);
  const profile = targetProfile(clips, {});
  const video = videoGraph(clips, profile, caps);
  const audio = audioGraph(clips, profile, 0);
  const anchorArgs = singlePassArgs(
    clips,
    `${video.filter};\n${audio.filter}`,
    [video.output, audio.output],
    path.join(dir, "anchor.mp4"),
  );
  const ours = () => firstStitch(clips, dir, async () => caps);
  const anchor = () => execa(tools.ffmpeg, anchorArgs);
  const runs = { ours: [] as number[], anchor: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    // Which side goes first alternates too, so a neighbour's load hits both alike.
    const pair = i % 2 ? [anchor, ours] : [ours, anchor];
    for (const run of pair) (run === ours ? runs.ours : runs.anchor).push(await cpuOf(run));
  }
  const ratio = median(runs.ours) / median(runs.anchor);
  results.push({
    id: "stitch-limit",
    what: `12 clips 1280x720 5 s, 0.5 s crossfades (${video.frames} frames): CPU (user + sys) of the stitch's ffmpegs`,
    value: `${median(runs.ours).toFixed(2)} CPU-s (${ratio.toFixed(2)}x)`,
    anchor: `one ffmpeg, the single-pass graph, same codecs: ${median(runs.anchor).toFixed(2)} CPU-s`,
    target: "<= 1.05x",
    met: ratio <= 1.05,
    detail: { runs },
  });
}
