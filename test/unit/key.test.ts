// The cache key: stable across runs and machines, blind to names and order, sensitive to every model input.
import assert from "node:assert/strict";
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import {
  canonicalJson,
  clipKey,
  keyMaterial,
  loadStoryboard,
  validateStoryboard,
  type Shot,
  type Storyboard,
} from "../../src/index.js";
import { makeProject } from "../helpers/project.js";
import { kling } from "../helpers/unit-fixtures.js";

const base = {
  id: "arrival",
  image: "images/a.png",
  prompt: "a king walks slowly",
  duration: 5,
  audio: true,
};

async function board(shotList: Array<Record<string, unknown>>, extraImages = {}): Promise<Storyboard> {
  const { file } = await makeProject({
    images: { "a.png": [480, 320], "b.png": [480, 320, [200, 10, 10]], ...extraImages },
    storyboard: { version: 1, shots: shotList },
  });
  return validateStoryboard(await loadStoryboard(file));
}

const keyOf = (b: Storyboard, i = 0) => clipKey(b.shots[i]!, "fal");

test("the key is a fixed value for fixed inputs (stable across runs and machines)", async () => {
  const b = await board([base]);
  assert.deepEqual(keyMaterial(b.shots[0]!, "fal"), {
    key_format: 1,
    provider: "fal@1",
    endpoint: "fal-ai/kling-video/v2.6/pro/image-to-video",
    input: {
      prompt: "a king walks slowly",
      start_image_url: { sha256: b.shots[0]!.image?.kind === "file" ? b.shots[0]!.image.sha256 : "" },
      duration: "5",
      negative_prompt: "blur, distort, and low quality",
      generate_audio: true,
    },
  });
  // The PNG writer is deterministic, so this hash is the same on every machine.
  assert.equal(keyOf(b), keyOf(await board([base])));
  assert.match(keyOf(b), /^[0-9a-f]{64}$/);
});

test("renaming, reordering, moving the image, transitions and trims leave the key alone", async () => {
  const original = keyOf(await board([base]));
  assert.equal(keyOf(await board([{ ...base, id: "renamed" }])), original);
  assert.equal(keyOf(await board([{ ...base, id: "first", image: "images/b.png" }, base]), 1), original);
  assert.equal(
    keyOf(
      await board([
        base,
        { ...base, id: "two", transition: { type: "crossfade", duration: 0.5 }, trim: { start: 1 } },
      ]),
      1,
    ),
    original,
  );
  const moved = await makeProject({
    storyboard: { version: 1, shots: [{ ...base, image: "frames/deep/king.png" }] },
  });
  await mkdir(path.join(moved.dir, "frames", "deep"), { recursive: true });
  await copyFile(path.join(moved.dir, "images", "a.png"), path.join(moved.dir, "frames", "deep", "king.png"));
  const m = await validateStoryboard(await loadStoryboard(moved.file));
  assert.equal(keyOf(m), original);
});

test("every model input changes the key", async () => {
  const original = keyOf(await board([base]));
  const variants: Array<Record<string, unknown>> = [
    { prompt: "a king runs" },
    { image: "images/b.png" },
    { duration: 10 },
    { audio: false },
    { negative_prompt: "text, watermark" },
    { end_image: "images/b.png" },
  ];
  const keys = new Set([original]);
  for (const v of variants) {
    const k = keyOf(await board([{ ...base, ...v }]));
    assert.notEqual(k, original, `changing ${Object.keys(v)[0]} must change the key`);
    keys.add(k);
  }
  assert.equal(keys.size, variants.length + 1);
  const b = await board([base]);
  assert.notEqual(clipKey(b.shots[0]!, "preview"), original, "the provider is part of the key");
});

test("defaults fill in exactly as if written on the shot", async () => {
  const explicit = keyOf(await board([{ ...base, negative_prompt: "blur, distort, and low quality" }]));
  const { file } = await makeProject({
    storyboard: {
      version: 1,
      defaults: { duration: 5, audio: true },
      shots: [{ id: "x", image: "images/a.png", prompt: base.prompt }],
    },
  });
  assert.equal(keyOf(await validateStoryboard(await loadStoryboard(file))), explicit);
});

test("a golden key: the same inputs give this exact key on every machine and every release", () => {
  const model = kling();
  const shot: Shot = {
    id: "anything",
    index: 7,
    model,
    image: {
      kind: "file",
      source: "x.png",
      path: "/nowhere/x.png",
      sha256: "a".repeat(64),
      bytes: 1,
      format: "png",
      width: 640,
      height: 360,
    },
    prompt: "A king walks slowly",
    duration: 5,
    audio: true,
    negativePrompt: "blur, distort, and low quality",
    transition: { type: "cut", duration: 0 },
    takes: 1,
  };
  assert.equal(
    canonicalJson(keyMaterial(shot, "fal")),
    '{"endpoint":"fal-ai/kling-video/v2.6/pro/image-to-video","input":{"duration":"5","generate_audio":true,"negative_prompt":"blur, distort, and low quality","prompt":"A king walks slowly","start_image_url":{"sha256":"' +
      "a".repeat(64) +
      '"}},"key_format":1,"provider":"fal@1"}',
  );
  assert.equal(clipKey(shot, "fal"), GOLDEN_KEY);
});

// Computed once and pinned: if this changes, every user's cache is invalidated (bump KEY_FORMAT on purpose instead).
const GOLDEN_KEY = "43dc3d8317ba971236f9bdd3db82dca8deb00442b027dd8e36694ca83fb81261";
