// The pure parts of sound and words: caption cues and their text, the sound steps' keys, prices and lengths,
// the plan's length warning, and the mix graph's placement of voice-overs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { audioModelRegistry } from "../../src/models/audio-registry.js";
import { planRender } from "../../src/plan/plan.js";
import { musicSeconds, soundCost, soundKey, voiceWarnings } from "../../src/plan/sound-steps.js";
import { assText, captionCues, toAss, toSrt, toVtt } from "../../src/stitch/captions.js";
import { frameTiming } from "../../src/stitch/profile.js";
import { clipStarts, mixGraph, voiceOverruns } from "../../src/stitch/sound-graph.js";
import type { Voiceover } from "../../src/storyboard/types.js";
import { clip, shot, storyboard } from "../helpers/unit-fixtures.js";

const tts = audioModelRegistry().get("fal-ai/kokoro/american-english")!;
const music = audioModelRegistry().get("cassetteai/music-generator")!;
const vo = (text: string, over: Partial<Voiceover> = {}): Voiceover => ({
  text,
  voice: "af_heart",
  offset: 0,
  model: tts,
  ...over,
});

test("cues start at their shot's first frame in the film: inside a transition, after a trim", () => {
  // 5 s, then a 1 s crossfade into a clip trimmed to 4 s, then a cut: starts at frames 0, 96, 192.
  const clips = [
    clip(0),
    clip(1, { trim: { start: 0.5, end: 4.5 }, transition: { type: "crossfade", duration: 1 } }),
    clip(2),
  ];
  const timing = frameTiming(clips, 24);
  const starts = clipStarts(timing);
  assert.deepEqual(starts, [0, 96, 192]);
  const cues = captionCues(
    [{ id: "a", caption: "One" }, { id: "b" }, { id: "c", caption: "Three & <four>" }],
    starts,
    timing.totalFrames,
  );
  assert.deepEqual(cues, [
    { shot: "a", text: "One", startFrame: 0, endFrame: 96 },
    { shot: "c", text: "Three & <four>", startFrame: 192, endFrame: 312 },
  ]);
  assert.equal(
    toSrt(cues, 24),
    "1\n00:00:00,000 --> 00:00:04,000\nOne\n\n2\n00:00:08,000 --> 00:00:13,000\nThree & <four>\n",
  );
  assert.equal(
    toVtt(cues, 24),
    "WEBVTT\n\na\n00:00:00.000 --> 00:00:04.000\nOne\n\nc\n00:00:08.000 --> 00:00:13.000\nThree &amp; &lt;four>\n",
  );
  // A blank line would end a cue; "-->" would start one.
  const odd = captionCues([{ id: "x", caption: "a\n\nb --> c" }], [0], 24);
  assert.equal(toSrt(odd, 24), "1\n00:00:00,000 --> 00:00:01,000\na\nb -> c\n");
});

test("sound steps: keys follow what the model receives; prices are rounded up to the cent; music in 30 s steps", () => {
  const a = shot(0, { voiceover: vo("He had kept the light.") });
  const b = shot(1, { voiceover: vo("He had kept the light.", { offset: 2 }) });
  const board = storyboard([a, b]);
  const plan = planRender(board, { has: () => false }, { provider: "fal" });
  const voices = plan.steps.filter((s) => s.kind === "voice");
  assert.deepEqual(
    voices.map((s) => [s.id, s.status]),
    [
      ["voice:s1", "generate"],
      ["voice:s2", "duplicate"],
    ],
  );
  assert.equal(voices[0]!.key, voices[1]!.key, "the offset is not part of the voice-over's key");
  const other = soundKey(
    { kind: "voice", model: tts, input: { prompt: "He had kept the light.", voice: "am_adam" } },
    "fal",
  );
  assert.notEqual(other, voices[0]!.key, "the voice is");
  assert.notEqual(
    soundKey(
      { kind: "voice", model: tts, input: { prompt: "He had kept the light.", voice: "af_heart" } },
      "preview",
    ),
    voices[0]!.key,
  );
  assert.equal(soundCost({ kind: "voice", model: tts, input: { prompt: "x".repeat(1000) } }), 0.02);
  assert.equal(soundCost({ kind: "voice", model: tts, input: { prompt: "x".repeat(1001) } }), 0.03);
  assert.equal(soundCost({ kind: "music", model: music, input: { prompt: "piano", duration: 90 } }), 0.03);
  assert.equal(plan.cost.new, 0.71 + 0.7);
  // 10 s of film asks for 30 s; 95 s for 120 s; 400 s for the model's most, 180 s.
  assert.equal(musicSeconds(board, music), 30);
  assert.equal(musicSeconds(storyboard(Array.from({ length: 19 }, (_, i) => shot(i))), music), 120);
  assert.equal(musicSeconds(storyboard(Array.from({ length: 80 }, (_, i) => shot(i))), music), 180);
});

test("the plan warns about a voice-over whose text, at 150 words a minute, may not fit its shot", () => {
  const long = shot(0, { voiceover: vo(Array.from({ length: 12 }, () => "word").join(" "), { offset: 1 }) });
  const fits = shot(1, { voiceover: vo("Ten words fit in five seconds of film, easily enough here.") });
  assert.deepEqual(voiceWarnings(storyboard([long, fits])), [
    "shot s1: its voice-over (12 words, about 4.8 s) may not fit the 4.0 s after its offset; shorten the text, lower the offset, or lengthen the shot",
  ]);
});

test("voice-overs are placed at their shot's start plus offset, and a measured overrun names its shot", () => {
  const clips = [clip(0), clip(1, { transition: { type: "crossfade", duration: 0.5 } })];
  const timing = frameTiming(clips, 24);
  const sound = { voices: [{ file: "/v.wav", clip: 1, offset: 0.25, duration: 4.9, shot: "b" }] };
  const graph = mixGraph(
    { filter: "[0:a]anull[am1]", output: "[am1]", frames: timing.totalFrames },
    sound,
    timing,
    24,
    2,
  );
  // Shot b starts at 4.5 s (inside the crossfade), so its voice-over at 4.75 s.
  assert.match(graph.filter, /\[2:a\]aresample=48000,.*adelay=4750\|4750,/);
  assert.deepEqual(voiceOverruns(sound, timing, 24), [
    "shot b: its voice-over lasts 4.90 s, but the shot has 4.75 s after its 0.25 s offset. Shorten the text, lower the offset, or lengthen the shot (the voice-over is cached: nothing is paid again).",
  ]);
});

test("cue times round down to the millisecond, so a cue never starts a frame late; ASS shows text as written", () => {
  // Frame 7 at 24 fps is at 291.667 ms: 291 shows it on frame 7, 292 would on frame 8.
  const cues = [{ shot: "a", text: "Press <Enter> {now}\\N ok\nsecond line", startFrame: 7, endFrame: 31 }];
  assert.match(toSrt(cues, 24), /^1\n00:00:00,291 --> 00:00:01,291\n/);
  const ass = toAss(cues, 24, 1280, 720);
  assert.match(ass, /PlayResX: 1280\nPlayResY: 720/);
  assert.match(
    ass,
    /\nDialogue: 0,0:00:00\.29,0:00:01\.29,Default,,0,0,0,,Press <Enter> \\\{now\\\}\\\u2060N ok\\Nsecond line\n/,
  );
});

test("more voice-overs than pan has channels for are summed sixteen at a time", () => {
  const clips = Array.from({ length: 40 }, (_, i) => clip(i));
  const timing = frameTiming(clips, 24);
  const voices = clips.map((_, i) => ({ file: `/v${i}.wav`, clip: i, offset: 0 }));
  const graph = mixGraph(
    { filter: "[0:a]anull[am]", output: "[am]", frames: timing.totalFrames },
    { voices },
    timing,
    24,
    40,
  );
  const widest = Math.max(...[...graph.filter.matchAll(/amerge=inputs=(\d+)/g)].map((m) => Number(m[1])));
  assert.ok(widest <= 16, `amerge of ${widest} streams (pan takes 64 channels)`);
  assert.doesNotMatch(graph.filter, /c64/);
});

test("voice-overs that do not overlap share one lane, joined end to end; one that overlaps gets a lane of its own", () => {
  const clips = Array.from({ length: 4 }, (_, i) => clip(i));
  const timing = frameTiming(clips, 24);
  const voice = (i: number, offset: number, duration?: number) => ({
    file: `/v${i}.wav`,
    clip: i,
    offset,
    ...(duration !== undefined && { duration }),
  });
  // Shots start every 5 s: voices at 0, 5.5 (4 s long, so it runs past 10), 10 and 15 s.
  const voices = [voice(0, 0, 2), voice(1, 0.5, 4.8), voice(2, 0, 2), voice(3, 0)];
  const graph = mixGraph(
    { filter: "[0:a]anull[am]", output: "[am]", frames: timing.totalFrames },
    { voices },
    timing,
    24,
    4,
  );
  const total = 20 * 48000;
  // Lane 0: voice 0 from 0 until voice 1 starts, voice 1 until voice 3 (voice 2 overlaps it), voice 3 to the end.
  assert.match(graph.filter, /\[4:a\][^;]*adelay=0\|0,apad,atrim=end_sample=264000,/);
  assert.match(graph.filter, /\[5:a\][^;]*,apad,atrim=end_sample=456000,/);
  assert.match(graph.filter, new RegExp(`\\[7:a\\][^;]*,apad,atrim=end_sample=${total - 720000},`));
  assert.match(graph.filter, /\[vo0\]\[vo1\]\[vo3\]concat=n=3:v=0:a=1\[lane0\]/);
  // Lane 1: voice 2 alone, delayed to 10 s and padded to the film's end.
  assert.match(
    graph.filter,
    new RegExp(`\\[6:a\\][^;]*adelay=10000\\|10000,apad,atrim=end_sample=${total},`),
  );
  assert.match(graph.filter, /\[vo2\]anull\[lane1\]/);
  assert.match(graph.filter, /\[dlg\]\[lane0\]\[lane1\]amerge=inputs=3/);
});

// What libass shows for a Dialogue's text, modelled on its parser (ass_render.c's event loop and
// ass_parse.c's ass_get_next_char): "{...}" with a closing brace is an override block and shows nothing;
// "\N" breaks the line, "\n" is a space (WrapStyle 0), "\h" a no-break space, "\{" and "\}" the braces.
function libassShows(text: string): string {
  let shown = "";
  for (let i = 0; i < text.length; ) {
    const close = text[i] === "{" ? text.indexOf("}", i) : -1;
    if (close >= 0) {
      i = close + 1;
      continue;
    }
    const special =
      text[i] === "\\" ? { N: "\n", n: " ", h: "\u00a0", "{": "{", "}": "}" }[text[i + 1] ?? ""] : undefined;
    shown += special ?? text[i];
    i += special ? 2 : 1;
  }
  return shown;
}

test("captions are written as typed: the .srt and .vtt verbatim, the burned script shown by libass as the same characters", () => {
  const texts = [
    "Press {Enter} now",
    "C:\\new\\folder and \\h and \\{x\\}",
    "a {\\i1}b{\\i0} c",
    "} before {",
    "\\\\N two backslashes, then N",
    "ends with a backslash\\\nnext line",
    "{",
    "\\",
  ];
  for (const text of texts) {
    const cues = [{ shot: "a", text, startFrame: 0, endFrame: 24 }];
    const srt = toSrt(cues, 24);
    const vtt = toVtt(cues, 24);
    assert.ok(srt.includes(`\n${text}\n`), `SRT: ${JSON.stringify(srt)}`);
    assert.ok(vtt.includes(`\n${text}\n`), `VTT: ${JSON.stringify(vtt)}`);
    assert.ok(!srt.includes("\u2060") && !vtt.includes("\u2060"), "no invisible characters added");
    const burned = assText(text);
    assert.ok(!/[\r\n]/.test(burned), "one Dialogue line");
    // The word joiner is invisible and zero-width: what is left is the text as written.
    assert.equal(libassShows(burned).replace(/\u2060/g, ""), text, JSON.stringify(burned));
  }
  assert.equal(assText("{x} \\N"), "\\{x\\} \\\u2060N");
});
