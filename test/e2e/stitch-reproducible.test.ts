// `render --frozen` is byte for byte on any machine: nothing that reaches a piece's bytes depends on the cores
// or on how many pieces are encoded at once (x264 writes its settings, thread count included, into each piece).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { execa } from "execa";
import { findMediaTools, type MediaTools } from "../../src/media/binaries.js";
import { detectCapabilities } from "../../src/media/capabilities.js";
import { segmentArgs } from "../../src/stitch/args.js";
import { filmKey } from "../../src/stitch/film.js";
import { pieceClips, pieceGraph } from "../../src/stitch/graph.js";
import { type StitchClip, targetProfile } from "../../src/stitch/profile.js";
import { splitIntoPieces } from "../../src/stitch/segments.js";
import { stitchFilm } from "../../src/stitch/stitch.js";
import { BUNDLED, makeClip, stitchClip } from "../../testkit/clips.js";

const SYSTEM = findMediaTools(process.env);
const sha = async (file: string) =>
  createHash("sha256")
    .update(await readFile(file))
    .digest("hex");
// x264's options as it wrote them into the stream (its user-data SEI).
const x264Options = async (file: string) =>
  /options: ([^\0]*)/.exec((await readFile(file)).toString("latin1"))?.[1];

async function clips(tools: MediaTools): Promise<StitchClip[]> {
  return [
    await stitchClip(makeClip({ hue: 0 }), {}, tools),
    // Another size and a crossfade: the piece scales, pads and blends.
    await stitchClip(
      makeClip({ hue: 90, w: 90, h: 160 }),
      { transition: { type: "crossfade", duration: 0.5 } },
      tools,
    ),
  ];
}

const ffmpegs = [SYSTEM, ...(BUNDLED.ffmpeg !== SYSTEM.ffmpeg ? [BUNDLED] : [])];

for (const tools of ffmpegs)
  test(`a piece is the same bytes whatever threads its ffmpeg is given (${tools.source.ffmpeg} ffmpeg)`, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "storyreel-threads-"));
    const all = await clips(tools);
    const caps = await detectCapabilities(tools.ffmpeg);
    const profile = targetProfile(all, {});
    for (const piece of splitIntoPieces(all, profile.fps)) {
      const hashes = new Set<string>();
      // 1: four pieces at once on a 4-core machine; 2: one missing piece; 3: what a 2-core machine once got.
      for (const threads of [1, 2, 3, undefined]) {
        const out = path.join(dir, `${piece.kind}-${threads}.mp4`);
        await execa(
          tools.ffmpeg,
          segmentArgs(pieceClips(piece), pieceGraph(piece, profile, caps), profile, out, threads),
        );
        hashes.add(await sha(out));
        assert.match((await x264Options(out)) ?? "", / threads=2 lookahead_threads=1 sliced_threads=0 /);
      }
      assert.equal(hashes.size, 1, `the ${piece.kind} comes out the same every time`);
    }
  });

test("a film made again after its pieces were collected, one at a time, is the same bytes as the first", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-threads-"));
  const all = await clips(SYSTEM);
  const segmentDir = path.join(dir, "segments");
  const make = async (name: string, parallel: number) => {
    const output = path.join(dir, name);
    await stitchFilm(
      {
        clips: all,
        render: {},
        output,
        tmpDir: path.join(dir, "tmp"),
        segmentDir,
        tools: SYSTEM,
        capabilities: () => detectCapabilities(SYSTEM.ffmpeg),
        parallel,
      },
      filmKey(all, {}),
      Date.now,
    );
    return sha(output);
  };
  const first = await make("first.mp4", 3);
  // As `cache gc` would: one piece goes, and is made again alone (so its ffmpeg may use every core); the
  // soundtrack's encoded chunks go too, and are encoded again from the same samples.
  const files = await readdir(segmentDir);
  const pieces = files.filter((f) => f.endsWith(".mp4"));
  assert.equal(pieces.length, 3);
  await rm(path.join(segmentDir, pieces[1]!));
  const chunks = files.filter((f) => f.endsWith(".aac"));
  assert.ok(chunks.length > 0);
  for (const chunk of chunks) await rm(path.join(segmentDir, chunk));
  assert.equal(await make("again.mp4", 1), first);
});
