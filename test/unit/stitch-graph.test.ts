// The filtergraphs as strings: whole-frame lengths, head/body/tail splits, xfade or blend, audio crossfades.
import assert from "node:assert/strict";
import { test } from "node:test";
import { audioChunks } from "../../src/stitch/audio-chunks.js";
import { audioGraph, piecesGraph, videoGraph } from "../../src/stitch/graph.js";
import { encodeJobs, splitIntoPieces } from "../../src/stitch/segments.js";
import { clip, media } from "../helpers/unit-fixtures.js";

const HD = { width: 1280, height: 720, fps: 24 };
const XFADE = { xfade: true };
const NO_XFADE = { xfade: false };
const lines = (filter: string) => filter.split(";\n");

test("one clip: scaled, padded, re-timed to whole frames, no transition filters", () => {
  const g = videoGraph([clip(0)], HD, XFADE);
  assert.equal(g.frames, 120);
  assert.equal(g.output, "[vout]");
  const [first, split, body, concat] = lines(g.filter);
  assert.match(first!, /^\[0:v\]setpts=PTS-STARTPTS,scale=1280:720:force_original_aspect_ratio=decrease,/);
  assert.match(first!, /pad=1280:720:\(ow-iw\)\/2:\(oh-ih\)\/2:color=black,setsar=1,fps=24,format=yuv420p,/);
  assert.match(first!, /tpad=stop_mode=clone:stop_duration=1,trim=end_frame=120,setpts=PTS-STARTPTS\[v0\]$/);
  assert.equal(split, "[v0]split=1[b0in]");
  assert.equal(body, "[b0in]trim=start_frame=0:end_frame=120,setpts=PTS-STARTPTS[b0]");
  assert.equal(concat, "[b0]concat=n=1:v=1:a=0[vout]");
  assert.doesNotMatch(g.filter, /xfade|blend|fade=/);
});

test("a crossfade overlaps whole frames: 120 + 120 - 12 at 24 fps, xfade at offset 0", () => {
  const clips = [clip(0), clip(1, { transition: { type: "crossfade", duration: 0.5 } })];
  const g = videoGraph(clips, HD, XFADE);
  assert.equal(g.frames, 228);
  const f = lines(g.filter);
  assert.ok(f.includes("[v0]split=2[b0in][t0in]"));
  assert.ok(f.includes("[b0in]trim=start_frame=0:end_frame=108,setpts=PTS-STARTPTS[b0]"));
  assert.ok(f.includes("[t0in]trim=start_frame=108,setpts=PTS-STARTPTS[t0]"));
  assert.ok(f.includes("[v1]split=2[h1in][b1in]"));
  assert.ok(f.includes("[h1in]trim=end_frame=12,setpts=PTS-STARTPTS[h1]"));
  assert.ok(f.includes("[b1in]trim=start_frame=12:end_frame=120,setpts=PTS-STARTPTS[b1]"));
  assert.ok(f.includes("[t0][h1]xfade=transition=fade:duration=0.5:offset=0[x1]"));
  assert.equal(f.at(-1), "[b0][x1][b1]concat=n=3:v=1:a=0[vout]");
});

test("a fade goes through black with the same blend on every ffmpeg: luma to 16, chroma to 128, by frame", () => {
  const clips = [clip(0), clip(1, { transition: { type: "fade", duration: 1 } })];
  const expected =
    "[t0][h1]blend=" +
    ["16", "128", "128"]
      .map(
        (black, c) =>
          `c${c}_expr='${black}+(if(lt(round(T*24),12),A,B)-${black})*max(0,abs(2*round(T*24)-23)-1)/24'`,
      )
      .join(":") +
    "[x1]";
  for (const caps of [XFADE, NO_XFADE]) {
    const g = videoGraph(clips, HD, caps);
    assert.equal(g.frames, 216);
    assert.ok(lines(g.filter).includes(expected), g.filter);
    assert.doesNotMatch(g.filter, /xfade|fade=t=/);
  }
});

test("a crossfade without xfade is a linear blend over the overlap", () => {
  const clips = [clip(0), clip(1, { transition: { type: "crossfade", duration: 0.5 } })];
  const g = videoGraph(clips, HD, NO_XFADE);
  assert.ok(lines(g.filter).includes("[t0][h1]blend=all_expr='A*(1-T/0.5)+B*(T/0.5)'[x1]"));
  assert.doesNotMatch(g.filter, /xfade|fade=t=/);
});

test("the first clip's own transition is ignored; a middle clip has head, body and tail", () => {
  const fade = { type: "crossfade" as const, duration: 0.5 };
  const g = videoGraph(
    [clip(0, { transition: fade }), clip(1, { transition: fade }), clip(2, { transition: fade })],
    HD,
    XFADE,
  );
  assert.equal(g.frames, 360 - 24);
  const f = lines(g.filter);
  assert.ok(f.includes("[v0]split=2[b0in][t0in]"), "no head on the first clip");
  assert.ok(f.includes("[v1]split=3[h1in][b1in][t1in]"));
  assert.ok(f.includes("[b1in]trim=start_frame=12:end_frame=108,setpts=PTS-STARTPTS[b1]"));
  assert.equal(f.at(-1), "[b0][x1][b1][x2][b2]concat=n=5:v=1:a=0[vout]");
});

test("trims cut the source first and set the length in frames; fps rounds lengths", () => {
  const g = videoGraph([clip(0, { trim: { start: 0.5, end: 4.5 } })], { ...HD, fps: 30 }, XFADE);
  assert.equal(g.frames, 120);
  assert.match(g.filter, /^\[0:v\]trim=start=0\.5:end=4\.5,setpts=PTS-STARTPTS,/);
  assert.match(g.filter, /fps=30,.*trim=end_frame=120,/);
  const odd = videoGraph([clip(0, { media: media({ duration: 5.04 }) })], { ...HD, fps: 25 }, XFADE);
  assert.equal(odd.frames, 126);
});

test("audio: 48 kHz stereo per clip, sample-exact lengths, silence for clips without audio", () => {
  const clips = [
    clip(0),
    clip(1, { media: media({ audio: undefined }), transition: { type: "crossfade", duration: 0.5 } }),
    clip(2, { trim: { start: 1, end: 3 } }),
  ];
  const g = audioGraph(clips, HD, 1);
  assert.equal(g.frames, 120 + 120 - 12 + 48);
  const f = lines(g.filter);
  assert.equal(
    f[0],
    "[1:a]asetpts=PTS-STARTPTS,aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,apad,atrim=end_sample=240000,asetpts=PTS-STARTPTS[a0]",
  );
  assert.match(
    f[1]!,
    /^anullsrc=channel_layout=stereo:sample_rate=48000,aresample=48000,.*end_sample=240000,.*\[a1\]$/,
  );
  assert.doesNotMatch(g.filter, /\[2:a\]/, "the silent clip's input is not read");
  assert.match(f[2]!, /^\[3:a\]atrim=start=1:end=3,asetpts=PTS-STARTPTS,.*atrim=end_sample=96000,/);
  assert.equal(f[3], "[a0][a1]acrossfade=ns=24000:c1=tri:c2=tri[am1]");
  assert.equal(f[4], "[am1][a2]concat=n=2:v=0:a=1[am2]");
  assert.equal(g.output, "[am2]");
});

test("audio and video agree on the film's length in frames", () => {
  const clips = [clip(0), clip(1, { transition: { type: "fade", duration: 0.75 } }), clip(2)];
  assert.equal(audioGraph(clips, HD, 0).frames, videoGraph(clips, HD, XFADE).frames);
  assert.equal(audioGraph([clip(0)], HD, 0).output, "[a0]");
});

test("audio chunks: at most size + 1 clips each, and together exactly the single pass's samples", () => {
  const types = ["cut", "crossfade", "fade"] as const;
  const clips = Array.from({ length: 37 }, (_, i) =>
    clip(i, {
      ...(i > 0 && { transition: { type: types[i % 3]!, duration: 0.25 * (i % 4) } }),
      ...(i % 5 === 0 && { trim: { start: 0.1, end: 2.3 } }),
    }),
  );
  // 23.976 fps: a frame is not a whole number of samples, so every cut has to round as the single pass does.
  const profile = { ...HD, fps: 23.976 };
  const single = audioGraph(clips, profile, 0).filter;
  const numbers = (re: RegExp) => [...single.matchAll(re)].map((m) => Number(m[1]));
  const total =
    numbers(/end_sample=(\d+),asetpts=PTS-STARTPTS\[a\d+\]/g).reduce((a, b) => a + b, 0) -
    numbers(/acrossfade=ns=(\d+)/g).reduce((a, b) => a + b, 0);
  for (const size of [1, 4, 16]) {
    const chunks = audioChunks(clips, profile, size);
    assert.equal(chunks.length, Math.ceil(37 / size));
    assert.ok(chunks.every((c) => c.clips.length <= size + 1));
    chunks.forEach((c, k) => {
      const first = clips[k * size]!;
      const led = k > 0 && first.transition.type !== "cut" && first.transition.duration > 0;
      // The clip before is context only when a crossfade or fade leads into the chunk.
      assert.equal(c.clips[0]!.file, led ? clips[k * size - 1]!.file : first.file);
    });
    assert.equal(
      chunks.reduce((t, c) => t + c.samples, 0),
      total,
      `chunks of ${size}: Σ samples = the single pass's`,
    );
    assert.ok(
      chunks.every((c) => c.clips[0]!.transition.type === "cut"),
      "a chunk starts from its context",
    );
    // ffmpeg 4.1's acrossfade crashes when a trim after it ends the stream: a chunk's end is cut at its source.
    for (const c of chunks)
      assert.doesNotMatch(c.graph.filter, /acrossfade=[^;]*\[am\d+\];\n\[am\d+\]atrim=[^;]*end_sample/);
  }
  // A window of the film that ends inside its last clip: that clip cut at its source, the samples fewer by as many.
  const cut = audioChunks(clips, profile, 16, 1000);
  assert.equal(
    cut.reduce((t, c) => t + c.samples, 0),
    total - 1000,
  );
  const lastLength = numbers(/end_sample=(\d+),asetpts=PTS-STARTPTS\[a\d+\]/g).at(-1)!;
  assert.match(
    cut.at(-1)!.graph.filter,
    new RegExp(`atrim=end_sample=${lastLength - 1000},asetpts=PTS-STARTPTS\\[a\\d+\\];`),
  );
});

test("audio chunks never end on a clip wholly inside its transitions (rounding could leave it a sample short)", () => {
  // At 29.97 fps a frame is 1601.6 samples: 6 frames round to 9610, 12 to 19219, one short of 6 + 6.
  const fade = { type: "fade" as const, duration: 0.2 };
  const clips = Array.from({ length: 9 }, (_, i) =>
    clip(i, {
      ...(i > 0 && { transition: fade }),
      ...(i % 2 === 1 && { media: media({ duration: 12 / 29.97 }) }),
    }),
  );
  const chunks = audioChunks(clips, { ...HD, fps: 29.97 }, 2);
  const lastOfEach = chunks.map((c) => clips.findIndex((x) => x.file === c.clips.at(-1)!.file));
  assert.deepEqual(lastOfEach, [2, 4, 6, 8], "each chunk runs on to the next clip of its own");
});

test("pieces: each clip re-timed and cut to the frames its pieces use before it is scaled; at most two inputs", () => {
  const fade = { type: "crossfade" as const, duration: 0.5 };
  const clips = [clip(0), clip(1, { transition: fade, trim: { start: 1, end: 4 } })];
  const [job, rest] = encodeJobs(splitIntoPieces(clips, 24));
  const g = piecesGraph(job!, HD, XFADE);
  assert.deepEqual(
    g.clips.map((c) => c.file),
    clips.map((c) => c.file),
  );
  assert.deepEqual(g.outputs, [
    { label: "[p0]", frames: 108 },
    { label: "[p1]", frames: 12 },
  ]);
  const f = lines(g.filter);
  // Clip 0: its stretch (0-108) and the window's tail (108-120), one decode, split after the scale.
  assert.match(
    f[0]!,
    /^\[0:v\]setpts=PTS-STARTPTS,fps=24,tpad=[^,]*,trim=start_frame=0:end_frame=120,setpts=PTS-STARTPTS,scale=/,
  );
  assert.match(f[0]!, /format=yuv420p,split=2\[c0u0\]\[c0u1\]$/);
  assert.ok(f.includes("[c0u0]trim=start_frame=0:end_frame=108,setpts=PTS-STARTPTS[p0]"));
  assert.ok(f.includes("[c0u1]trim=start_frame=108:end_frame=120,setpts=PTS-STARTPTS[t1]"));
  // Clip 1: trimmed at its source, then only its first 12 frames are scaled.
  assert.match(
    f[3]!,
    /^\[1:v\]trim=start=1:end=4,setpts=PTS-STARTPTS,fps=24,tpad=[^,]*,trim=start_frame=0:end_frame=12,setpts=PTS-STARTPTS,scale=.*\[h1\]$/,
  );
  assert.ok(f.includes("[t1][h1]xfade=transition=fade:duration=0.5:offset=0[x1]"));
  assert.equal(f.at(-1), "[x1]format=yuv420p,trim=end_frame=12[p1]");
  // The clip's own stretch: frames 12-72 only.
  const alone = piecesGraph(rest!, HD, XFADE);
  assert.match(
    alone.filter,
    /fps=24,tpad=[^,]*,trim=start_frame=12:end_frame=72,setpts=PTS-STARTPTS,scale=.*\[p0\]$/,
  );
  assert.equal(alone.clips.length, 1);
});
