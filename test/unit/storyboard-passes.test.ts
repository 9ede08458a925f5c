// A storyboard's finishing passes as validate resolves and checks them: which lip-sync model and sync mode, which
// upscale height (the shot's own over render.upscale, false for none), and every refusal at its position.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StoryboardError } from "../../src/errors.js";
import { findPass } from "../../src/models/passes.js";
import { voiceWarnings } from "../../src/plan/sound-steps.js";
import { loadStoryboard } from "../../src/storyboard/load.js";
import { upscaleBeforeLipsync } from "../../src/storyboard/passes.js";
import { voiceEstimate } from "../../src/storyboard/sound.js";
import type { Storyboard } from "../../src/storyboard/types.js";
import { validateStoryboard } from "../../src/storyboard/validate.js";
import { makeProject } from "../helpers/project.js";

const SPOKEN = "The light must not go out tonight.";

async function validate(board: Record<string, unknown>): Promise<Storyboard> {
  const { file } = await makeProject({ storyboard: { version: 1, ...board } });
  return validateStoryboard(await loadStoryboard(file));
}

// The problems validate reports, as "path: message" (their positions are the bad-storyboard corpus's to check).
async function refused(board: Record<string, unknown>): Promise<string[]> {
  try {
    await validate(board);
  } catch (e) {
    if (!(e instanceof StoryboardError)) throw e;
    return e.problems.map((p) => `${p.path}: ${p.message}`);
  }
  assert.fail("the storyboard was valid");
}

const shot = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  image: "images/a.png",
  prompt: `${id} happens`,
  ...over,
});

test("upscale: the shot's own height wins over render.upscale, false means none, and each has its pixels", async () => {
  const board = await validate({
    render: { upscale: "1080p" },
    shots: [shot("a"), shot("b", { upscale: "4k" }), shot("c", { upscale: false })],
  });
  const upscaler = findPass("bytedance-upscaler")!;
  assert.equal(board.render.upscale, "1080p");
  assert.deepEqual(board.shots[0]!.upscale, { pass: upscaler, height: "1080p", pixels: 1080 });
  assert.deepEqual(board.shots[1]!.upscale, { pass: upscaler, height: "4k", pixels: 2160 });
  assert.equal(board.shots[2]!.upscale, undefined);
  const none = await validate({ shots: [shot("a"), shot("b", { upscale: "2k" })] });
  assert.equal(none.render.upscale, undefined);
  assert.equal(none.shots[0]!.upscale, undefined);
  assert.equal(none.shots[1]!.upscale?.pixels, 1440);
});

test("lipsync: true and {} are Kling's, false is none; a model with sync modes gets its default or the one written", async () => {
  const board = await validate({
    shots: [
      shot("a", { voiceover: SPOKEN, lipsync: true }),
      shot("b", { voiceover: SPOKEN, lipsync: {} }),
      shot("c", { voiceover: SPOKEN, lipsync: false }),
      shot("d", { voiceover: SPOKEN, lipsync: { model: "sync-lipsync-2" } }),
      shot("e", { voiceover: SPOKEN, lipsync: { model: "fal-ai/sync-lipsync/v2", sync_mode: "loop" } }),
      shot("f", { voiceover: SPOKEN, lipsync: { model: "kling-lip-sync" } }),
    ],
  });
  const [a, b, c, d, e, f] = board.shots;
  // The upscaler that takes a clip too small for the lip-sync model up first.
  const upscaler = findPass("bytedance-upscaler")!;
  assert.deepEqual(a!.lipsync, { pass: findPass("kling-lipsync")!, upscaler });
  assert.deepEqual(b!.lipsync, a!.lipsync);
  assert.equal(c!.lipsync, undefined);
  assert.deepEqual(d!.lipsync, { pass: findPass("sync-lipsync-2")!, syncMode: "silence", upscaler });
  assert.deepEqual(e!.lipsync, { pass: findPass("sync-lipsync-2")!, syncMode: "loop", upscaler });
  assert.equal(f!.lipsync?.pass.name, "kling-lipsync");
  // A storyboard without passes resolves to none.
  const plain = await validate({ shots: [shot("a", { voiceover: SPOKEN })] });
  assert.equal(plain.shots[0]!.lipsync, undefined);
  assert.equal(plain.shots[0]!.upscale, undefined);
});

test("lip-sync needs a voice-over; lipsync: false needs none", async () => {
  assert.deepEqual(await refused({ shots: [shot("a", { lipsync: true })] }), [
    "shots[0].lipsync: shot a has lipsync but no voiceover: lip-sync needs the voice-over to lay on the clip",
  ]);
  await validate({ shots: [shot("a", { lipsync: false })] });
});

test("models and sync modes: unknown names with a hint, an upscaler is no lip-sync model, modes only where the model has them", async () => {
  const problems = await refused({
    shots: [
      shot("a", { voiceover: SPOKEN, lipsync: { model: "kling-lipsnc" } }),
      shot("b", { voiceover: SPOKEN, lipsync: { model: "bytedance-upscaler" } }),
      shot("c", { voiceover: SPOKEN, lipsync: { sync_mode: "loop" } }),
      shot("d", { voiceover: SPOKEN, lipsync: { model: "sync-lipsync-2", sync_mode: "bounc" } }),
    ],
  });
  assert.deepEqual(problems, [
    'shots[0].lipsync.model: unknown lip-sync model "kling-lipsnc" (did you mean "kling-lipsync"?); lip-sync models: kling-lipsync, sync-lipsync-2',
    "shots[1].lipsync.model: bytedance-upscaler is an upscale model, not a lip-sync model; lip-sync models: kling-lipsync, sync-lipsync-2 (to upscale a shot, write upscale: 1080p)",
    "shots[2].lipsync.sync_mode: kling-lipsync has no sync modes: leave sync_mode out, or use sync-lipsync-2 (cut_off, loop, bounce, silence, remap)",
    'shots[3].lipsync.sync_mode: unknown sync mode "bounc" for sync-lipsync-2 (did you mean "bounce"?); its sync modes: cut_off, loop, bounce, silence, remap (default silence)',
  ]);
});

test("upscale heights: the upscaler's names only, with hints for 4K, 2160p, 1440, and 720p below them all", async () => {
  const problems = await refused({
    render: { upscale: "4K" },
    shots: [
      shot("a", { upscale: "2160p" }),
      shot("b", { upscale: "1440" }),
      shot("c", { upscale: "720p" }),
      shot("d", { upscale: "8k" }),
      shot("e", { upscale: true }),
    ],
  });
  const heights = "bytedance-upscaler makes 1080p (1080 px), 2k (1440 px), 4k (2160 px)";
  assert.deepEqual(problems, [
    `render.upscale: unknown height "4K": ${heights} (did you mean "4k"?)`,
    `shots[0].upscale: unknown height "2160p": ${heights} (did you mean "4k"?)`,
    `shots[1].upscale: unknown height "1440": ${heights} (did you mean "2k"?)`,
    `shots[2].upscale: unknown height "720p": ${heights}; 720p is below every one of them (a clip is only upscaled to a greater height: leave upscale out)`,
    `shots[3].upscale: unknown height "8k": ${heights}; 4k is the highest`,
    "shots[4].upscale: true names no height: write 1080p (1080 px), 2k (1440 px), 4k (2160 px) (the upscaler's targets), or false for none",
  ]);
});

test("the whole clip must be a length the lip-sync model takes: at the shot's duration, or at lipsync when inherited", async () => {
  const own = await refused({
    shots: [shot("a", { model: "sora-2", duration: 12, voiceover: SPOKEN, lipsync: true })],
  });
  assert.deepEqual(own, [
    "shots[0].duration: shot a's clip is 12 s, and kling-lipsync takes 2–10 s of clip (the whole clip is sent, before its trim): make it 4 or 8 s, or use sync-lipsync-2 (any length)",
  ]);
  const inherited = await refused({
    defaults: { model: "sora-2", duration: 12 },
    shots: [shot("a", { voiceover: SPOKEN, lipsync: true })],
  });
  assert.match(inherited[0]!, /^shots\[0\]\.lipsync: shot a's clip is 12 s/);
  // A trim does not help (the whole clip is sent), and Sync takes any length.
  const trimmed = await refused({
    shots: [shot("a", { model: "sora-2", duration: 12, trim: { end: 8 }, voiceover: SPOKEN, lipsync: true })],
  });
  assert.equal(trimmed.length, 1);
  await validate({
    shots: [
      shot("a", { model: "sora-2", duration: 12, voiceover: SPOKEN, lipsync: { model: "sync-lipsync-2" } }),
    ],
  });
});

test("a clip too large for the lip-sync model is refused at lipsync; one too small is upscaled first", async () => {
  const big = await refused({
    shots: [shot("a", { model: "veo-3.1", resolution: "4k", duration: 8, voiceover: SPOKEN, lipsync: true })],
  });
  assert.deepEqual(big, [
    "shots[0].lipsync: shot a's clip is 3240x2160, and kling-lipsync takes at most 1920 px a side: choose resolution 720p or 1080p, or use sync-lipsync-2 (at most 4096 px)",
  ]);
  // Sync takes it; a 480p Seedance clip is fine for Kling (upscaled to 1080p first).
  await validate({
    shots: [
      shot("a", {
        model: "veo-3.1",
        resolution: "4k",
        duration: 8,
        voiceover: SPOKEN,
        lipsync: { model: "sync-lipsync-2" },
      }),
      shot("b", { model: "seedance-2.0", resolution: "480p", duration: 5, voiceover: SPOKEN, lipsync: true }),
    ],
  });
  const kling = findPass("kling-lipsync")!;
  assert.deepEqual(upscaleBeforeLipsync([854, 480], kling), {
    pass: findPass("bytedance-upscaler")!,
    height: "1080p",
    pixels: 1080,
  });
  assert.equal(upscaleBeforeLipsync([1280, 720], kling), undefined);
  assert.equal(upscaleBeforeLipsync([854, 480], findPass("sync-lipsync-2")!), undefined);
});

test("a wide small clip the first upscale takes past the lip-sync model's long side is taken: it is fitted locally", async () => {
  // 2.5:1 at 480p is 1200x480; upscaled to a 1080 px short side it is 2700x1080, and before the submit it is
  // fitted (for free) into Kling's 1920 px: 1920x768, still above its 720 px. The same holds for 854x480 (16:9),
  // which the upscale makes 1922x1080.
  for (const [w, h] of [
    [1000, 400],
    [854, 480],
  ] as const) {
    const { file } = await makeProject({
      images: { "wide.png": [w, h] },
      storyboard: {
        version: 1,
        shots: [
          {
            id: "a",
            model: "seedance-2.0",
            image: "images/wide.png",
            prompt: "a wide sea",
            resolution: "480p",
            duration: 5,
            voiceover: SPOKEN,
            lipsync: true,
          },
        ],
      },
    });
    await validateStoryboard(await loadStoryboard(file));
  }
});

test("a lip-synced voice-over must end within the whole clip, counting trim.start and its offset; without lip-sync it only warns", async () => {
  // 11 words: about 4.4 s. From 1 s (trim.start 0.5 + offset 0.5) it ends at 5.4 s, past a 5 s clip.
  const text = "The light must not go out tonight, not for any storm.";
  assert.deepEqual(voiceEstimate(text), { words: 11, seconds: 4.4 });
  const problems = await refused({
    shots: [shot("a", { trim: { start: 0.5 }, voiceover: { text, offset: 0.5 }, lipsync: true })],
  });
  assert.deepEqual(problems, [
    "shots[0].voiceover: is about 4.4 s (11 words at 150 a minute): lip-synced onto shot a's 5 s clip from 1 s (trim.start 0.5 + offset 0.5), it would end at 5.4 s, past the clip's end. Shorten the text, lower the offset, or lengthen the shot",
  ]);
  // The same without lip-sync is valid, and the plan's warning (the kept 4.5 s after the offset) says so.
  const board = await validate({
    shots: [shot("a", { trim: { start: 0.5 }, voiceover: { text, offset: 0.5 } })],
  });
  assert.equal(voiceWarnings(board).length, 1);
  // It fits a 10 s clip.
  await validate({
    shots: [
      shot("a", { duration: 10, trim: { start: 0.5 }, voiceover: { text, offset: 0.5 }, lipsync: true }),
    ],
  });
});
