// The pieces' frames, before any encoder sees them, are the single pass's frames, md5 for md5: each piece drops
// the frames it does not use before scaling them, and a stretch and the window after it come from one ffmpeg.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { execa } from "execa";
import { findMediaTools, type MediaTools } from "../../src/media/binaries.js";
import { detectCapabilities } from "../../src/media/capabilities.js";
import { piecesArgs, segmentArgs } from "../../src/stitch/args.js";
import { pieceClips, pieceGraph, piecesGraph, videoGraph } from "../../src/stitch/graph.js";
import { type Profile, type StitchClip, targetProfile } from "../../src/stitch/profile.js";
import { encodeJobs, splitIntoPieces } from "../../src/stitch/segments.js";
import { BUNDLED, makeClip, stitchClip } from "../../testkit/clips.js";

const SYSTEM = findMediaTools(process.env);
const ffmpegs = [SYSTEM, ...(BUNDLED.ffmpeg !== SYSTEM.ffmpeg ? [BUNDLED] : [])];
const sha = async (file: string) =>
  createHash("sha256")
    .update(await readFile(file))
    .digest("hex");

// The frames a graph's output gives, one md5 each (raw video, no encoder), read from a framemd5 file.
async function rawFrames(
  tools: MediaTools,
  clips: StitchClip[],
  filter: string,
  labels: string[],
  dir: string,
): Promise<string[][]> {
  const files = labels.map((_, k) => path.join(dir, `${Math.random().toString(36).slice(2)}-${k}.md5`));
  await execa(tools.ffmpeg, [
    ...["-v", "error", "-y"],
    ...clips.flatMap((c) => ["-i", c.file]),
    ...["-filter_complex", filter],
    ...labels.flatMap((label, k) => ["-map", label, "-f", "framemd5", files[k]!]),
  ]);
  return Promise.all(
    files.map(async (f) =>
      (await readFile(f, "utf8"))
        .split("\n")
        .filter((l) => l && !l.startsWith("#"))
        .map((l) => l.split(",").at(-1)!.trim()),
    ),
  );
}

async function film(tools: MediaTools): Promise<StitchClip[]> {
  const t = (type: "crossfade" | "fade", duration: number) => ({ transition: { type, duration } });
  return [
    await stitchClip(makeClip({ hue: 0 }), {}, tools),
    await stitchClip(makeClip({ hue: 70 }), t("crossfade", 0.5), tools),
    // Another size (scaled and padded), trimmed, and wholly inside its two windows.
    await stitchClip(
      makeClip({ hue: 140, w: 90, h: 160 }),
      { ...t("fade", 0.5), trim: { start: 0.25, end: 1.75 } },
      tools,
    ),
    await stitchClip(makeClip({ hue: 210 }), t("crossfade", 1), tools),
    await stitchClip(makeClip({ hue: 280, fps: 30 }), t("fade", 0.25), tools),
  ];
}

for (const tools of ffmpegs)
  for (const render of [{}, { fps: 29.97 }])
    test(`each piece's frames are the single pass's, alone or two from one ffmpeg (${tools.source.ffmpeg} ffmpeg, ${render.fps ?? 24} fps)`, async () => {
      const dir = await mkdtemp(path.join(tmpdir(), "storyreel-frames-"));
      const clips = await film(tools);
      const caps = await detectCapabilities(tools.ffmpeg);
      const profile: Profile = targetProfile(clips, render);
      const single = videoGraph(clips, profile, caps);
      const [expected] = await rawFrames(tools, clips, single.filter, [single.output], dir);
      assert.equal(expected!.length, single.frames);
      const pieces = splitIntoPieces(clips, profile.fps);
      const alone: string[] = [];
      for (const piece of pieces) {
        const g = pieceGraph(piece, profile, caps);
        const [frames] = await rawFrames(tools, pieceClips(piece), g.filter, [g.output], dir);
        assert.equal(frames!.length, g.frames, `${piece.kind}: its frame count`);
        alone.push(...frames!);
      }
      assert.deepEqual(alone, expected, "the pieces made alone, in film order");
      const jobs = encodeJobs(pieces);
      assert.ok(
        jobs.some((job) => job.length === 2),
        "a stretch and its window share an ffmpeg",
      );
      const together: string[] = [];
      for (const job of jobs) {
        const g = piecesGraph(job, profile, caps);
        assert.ok(g.clips.length <= 2);
        const outputs = await rawFrames(
          tools,
          g.clips,
          g.filter,
          g.outputs.map((o) => o.label),
          dir,
        );
        for (const [k, frames] of outputs.entries()) assert.equal(frames.length, g.outputs[k]!.frames);
        together.push(...outputs.flat());
      }
      assert.deepEqual(together, expected, "the pieces made by jobs, in film order");
    });

test("a piece encoded beside another by one ffmpeg is the same bytes as the piece encoded alone", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-frames-"));
  const clips = (await film(SYSTEM)).slice(0, 2);
  const caps = await detectCapabilities(SYSTEM.ffmpeg);
  const profile = targetProfile(clips, {});
  const [job] = encodeJobs(splitIntoPieces(clips, profile.fps));
  assert.deepEqual(
    job!.map((p) => p.kind),
    ["stretch", "window"],
  );
  const g = piecesGraph(job!, profile, caps);
  const files = g.outputs.map((_, k) => path.join(dir, `together-${k}.mp4`));
  await execa(
    SYSTEM.ffmpeg,
    piecesArgs(
      g.clips,
      g.filter,
      g.outputs.map((o, k) => ({ label: o.label, file: files[k]! })),
      profile,
      2,
    ),
  );
  for (const [k, piece] of job!.entries()) {
    const out = path.join(dir, `alone-${k}.mp4`);
    await execa(
      SYSTEM.ffmpeg,
      segmentArgs(pieceClips(piece), pieceGraph(piece, profile, caps), profile, out, 1),
    );
    assert.equal(await sha(files[k]!), await sha(out), `the ${piece.kind}`);
  }
});
