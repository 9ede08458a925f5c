// ffmpeg argv builders (film, segments, loudness, preview) compared as arrays; no process is started.
import assert from "node:assert/strict";
import { test } from "node:test";
import { previewArgs, previewSize } from "../../src/providers/preview.js";
import { slateArgs } from "../../src/providers/slate.js";
import {
  concatCopyArgs,
  concatList,
  fileList,
  loudnessApplyArgs,
  loudnessMeasureArgs,
  parseLoudness,
  audioPcmArgs,
  encodeAudioArgs,
  muxEncodedArgs,
  clipInputs,
  segmentArgs,
  burnArgs,
} from "../../src/stitch/args.js";
import { clip, shot } from "../helpers/unit-fixtures.js";

const HEAD = ["-v", "error", "-y", "-nostdin", "-progress", "pipe:1", "-nostats"];
const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];
const inputs = (args: string[]) => args.flatMap((a, i) => (a === "-i" ? [args[i + 1]] : []));

test("concat copy: the list through the concat demuxer, every stream copied, the film last", () => {
  assert.deepEqual(concatCopyArgs("/t/list.txt", "/o/film.mp4"), [
    ...HEAD,
    ...["-f", "concat", "-safe", "0", "-i", "/t/list.txt", "-map", "0", "-c", "copy"],
    ...["-movflags", "+faststart", "-f", "mp4", "/o/film.mp4"],
  ]);
});

test("concat lists quote odd file names so the demuxer reads them back verbatim", () => {
  const odd = ["/c/it's.mp4", "/c/two  spaces.mp4", "/c/back\\slash.mp4", "/c/naïve #1.mp4"];
  assert.equal(
    fileList(odd),
    "file '/c/it'\\''s.mp4'\nfile '/c/two  spaces.mp4'\nfile '/c/back\\slash.mp4'\nfile '/c/naïve #1.mp4'\n",
  );
  assert.equal(concatList([clip(0, { file: "/c/a'b'.mp4" })]), "file '/c/a'\\''b'\\''.mp4'\n");
  assert.equal(fileList([]), "");
});

test("a segment: every clip an input in order, the graph's output mapped, no audio, the profile's rate", () => {
  const clips = [clip(0), clip(1)];
  const graph = { filter: "[0:v][1:v]concat=n=2[vout]", output: "[vout]", frames: 240 };
  const args = segmentArgs(clips, graph, { width: 640, height: 360, fps: 25 }, "/s/seg.mp4");
  assert.deepEqual(args.slice(0, HEAD.length), HEAD);
  assert.deepEqual(inputs(args), [clips[0]!.file, clips[1]!.file]);
  assert.equal(after(args, "-filter_complex"), graph.filter);
  assert.equal(after(args, "-map"), "[vout]");
  assert.ok(args.includes("-an"));
  assert.equal(after(args, "-c:v"), "libx264");
  assert.equal(after(args, "-pix_fmt"), "yuv420p");
  assert.equal(after(args, "-r"), "25");
  assert.deepEqual(args.slice(-3), ["-f", "mp4", "/s/seg.mp4"]);
});

test("the soundtrack: its graph to raw PCM, encoded to ADTS, then copied beside the pieces", () => {
  const clips = [clip(0), clip(1)];
  const audio = { filter: "[0:a][1:a]concat=n=2:v=0:a=1[am1]", output: "[am1]", frames: 240 };
  const pcm = audioPcmArgs(clipInputs(clips), audio, "/t/audio.f32");
  assert.deepEqual(inputs(pcm), [clips[0]!.file, clips[1]!.file]);
  assert.equal(after(pcm, "-filter_complex"), audio.filter);
  assert.equal(after(pcm, "-map"), "[am1]");
  assert.deepEqual(
    ["-c:a", "-ar", "-ac", "-f"].map((f) => after(pcm, f)),
    ["pcm_f32le", "48000", "2", "f32le"],
  );
  const encode = encodeAudioArgs("/t/audio.f32", "/s/run.aac");
  assert.deepEqual(inputs(encode), ["/t/audio.f32"]);
  assert.equal(after(encode, "-f"), "f32le", "the input is raw PCM");
  assert.deepEqual(
    ["-c:a", "-aac_coder", "-b:a", "-ar", "-ac"].map((f) => after(encode, f)),
    ["aac", "fast", "192k", "48000", "2"],
  );
  assert.deepEqual(encode.slice(-3), ["-f", "adts", "/s/run.aac"]);
  const mux = muxEncodedArgs("/t/segments.txt", "/t/audio.aac", "/o/film.mp4");
  assert.deepEqual(inputs(mux), ["/t/segments.txt", "/t/audio.aac"]);
  assert.equal(mux[mux.indexOf("-i") - 1], "0", "the segment list goes through the concat demuxer");
  assert.equal(Number(after(mux, "-itsoffset")) * 48000, -1024, "the priming packet before zero");
  assert.deepEqual(
    mux.flatMap((a, i) => (a === "-map" ? [mux[i + 1]] : [])),
    ["0:v", "1:a"],
  );
  assert.equal(after(mux, "-c"), "copy");
  assert.deepEqual(mux.slice(-5), ["-movflags", "+faststart", "-f", "mp4", "/o/film.mp4"]);
});

test("loudness: an ebur128 measuring pass to null, then one linear gain (limited only near full scale), video copied", () => {
  const measure = loudnessMeasureArgs("/o/film.mp4");
  assert.equal(after(measure, "-af"), "ebur128=peak=true:framelog=verbose");
  assert.deepEqual(measure.slice(-3), ["-f", "null", "-"]);
  assert.ok(measure.includes("-vn"));
  const summary =
    "Summary:\n\n  Integrated loudness:\n    I:         -20.1 LUFS\n    Threshold: -30.4 LUFS\n\n  True peak:\n    Peak:       -3.2 dBFS\n";
  assert.deepEqual(parseLoudness(`I: -99.0 LUFS (a frame line)\n${summary}`), {
    integrated: -20.1,
    truePeak: -3.2,
  });
  assert.equal(parseLoudness("no summary"), undefined);
  const apply = loudnessApplyArgs("/o/film.mp4", 6.1, false, "/o/film.tmp.mp4");
  assert.equal(after(apply, "-af"), "volume=6.10dB");
  assert.match(
    after(loudnessApplyArgs("/o/film.mp4", 6.1, true, "/o/t.mp4"), "-af")!,
    /^volume=6.10dB,alimiter=limit=0.891:.*level=0$/,
  );
  assert.equal(after(apply, "-c:v"), "copy");
  assert.deepEqual(inputs(apply), ["/o/film.mp4"]);
  assert.equal(apply.at(-1), "/o/film.tmp.mp4");
});

test("preview size: the image's aspect, long side 640, both sides even and at least 2", () => {
  assert.deepEqual(previewSize(1920, 1080), [640, 360]);
  assert.deepEqual(previewSize(1080, 1920), [360, 640]);
  assert.deepEqual(previewSize(480, 320), [640, 426]);
  assert.deepEqual(previewSize(333, 333), [640, 640]);
  assert.deepEqual(previewSize(10000, 10), [640, 2]);
});

test("preview size as set (STORYREEL_PREVIEW_SIZE): the same aspect at that long side, and the argv asks for it", () => {
  assert.deepEqual(previewSize(1920, 1080, 160), [160, 90]);
  assert.deepEqual(previewSize(480, 320, 160), [160, 106]);
  assert.deepEqual(previewSize(320, 480, 160), [106, 160]);
  const args = previewArgs(shot(0, { duration: 5 }), "/i/a.png", "/t/out.mp4", "0".repeat(64), 160);
  assert.match(args[args.indexOf("-filter_complex") + 1]!, /^\[0:v\]scale=320:180,.*:s=160x90:fps=24,/);
});

test("preview argv: the image decoded once and looped by a filter, frames from the duration, a tone only with audio", () => {
  const key = "00ff".padEnd(64, "0");
  const withAudio = previewArgs(shot(0, { duration: 5 }), "/i/a.png", "/t/out.mp4", key);
  assert.deepEqual(inputs(withAudio), ["/i/a.png", "sine=frequency=435:sample_rate=48000:duration=5"]);
  assert.equal(after(withAudio, "-frames:v"), "120");
  assert.equal(after(withAudio, "-r"), "24");
  assert.ok(!withAudio.includes("-loop"), "no image demuxer loop: it would decode the image for every frame");
  const graph = after(withAudio, "-filter_complex")!;
  assert.match(
    graph,
    /^\[0:v\]scale=1280:720,loop=loop=-1:size=1:start=0,zoompan=z='1\+0\.12\*on\/120':.*:s=640x360:fps=24,format=yuv420p/,
  );
  assert.match(graph, /;\[1:a\]volume=0\.08,.*afade=t=out:st=4\.7:d=0\.3\[a\]$/);
  assert.deepEqual(
    withAudio.flatMap((a, i) => (a === "-map" ? [withAudio[i + 1]] : [])),
    ["[v]", "[a]"],
  );
  const silent = previewArgs(shot(0, { duration: 10, audio: false }), "/i/a.png", "/t/out.mp4", key);
  assert.deepEqual(inputs(silent), ["/i/a.png"]);
  assert.equal(after(silent, "-frames:v"), "240");
  assert.ok(!silent.includes("-c:a") && !silent.includes("[a]"));
  assert.doesNotMatch(after(silent, "-filter_complex")!, /\[1:a\]/);
  assert.equal(silent.at(-1), "/t/out.mp4");
});

test("the preview tone's pitch follows the key, so different shots sound different", () => {
  const pitch = (key: string) =>
    inputs(previewArgs(shot(0), "/i/a.png", "/o.mp4", key.padEnd(64, "0")))[1]!.match(/frequency=(\d+)/)![1];
  assert.equal(pitch("0000"), "180");
  assert.equal(pitch("0190"), "180");
  assert.equal(pitch("018f"), "579");
});

test("an ffmpeg failure names the operating system's error first when there is one", async () => {
  const { causeOf } = await import("../../src/media/run.js");
  const stderr =
    "[mp4 @ 0x1] frame 12\nout.mp4: No space left on device\n[aac @ 0x2] flushing\nConversion failed!";
  assert.equal(causeOf(stderr), "out.mp4: No space left on device");
  assert.equal(causeOf("[libx264 @ 0x55] broken pipe\nConversion failed!"), "[libx264 @ 0x55] broken pipe");
  assert.equal(causeOf(""), undefined);
});

test("every x264 encode has the same threads on every machine: its thread count reaches the bytes", () => {
  const graph = { filter: "[0:v]null[vout]", output: "[vout]", frames: 24 };
  const encodes = {
    piece: segmentArgs([clip(0)], graph, { width: 640, height: 360, fps: 25 }, "/s/seg.mp4", 1),
    "piece with all cores": segmentArgs(
      [clip(0)],
      graph,
      { width: 640, height: 360, fps: 25 },
      "/s/seg.mp4",
      8,
    ),
    burn: burnArgs("/o/film.mp4", "captions.ass", "/o/out.mp4"),
    preview: previewArgs(shot(0), "/i/a.png", "/t/out.mp4", "0".repeat(64)),
    slate: slateArgs({ seconds: 5, fps: 24, width: 640, height: 360, audio: true, out: "/t/s.mp4" }),
  };
  for (const [name, args] of Object.entries(encodes)) {
    assert.equal(after(args, "-c:v"), "libx264", name);
    assert.equal(after(args, "-x264-params"), "threads=2:lookahead-threads=1:sliced-threads=0", name);
    // An output -threads after the codec would be x264's own: only the decoders' (before each -i) may vary.
    const codecAt = args.indexOf("-c:v");
    assert.ok(!args.slice(codecAt).includes("-threads"), `${name}: no machine-dependent x264 threads`);
  }
});
