// The size a pass's clip is scaled to before it is sent: the model's sides met, the shape kept, sides even.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fittedSize } from "../../src/providers/pass-inputs.js";

const KLING = { min_side: 720, max_side: 1920 };

test("a clip inside the sides is sent as it is", () => {
  assert.deepEqual(fittedSize(1280, 720, KLING), { width: 1280, height: 720 });
  assert.deepEqual(fittedSize(720, 1280, KLING), { width: 720, height: 1280 });
  assert.deepEqual(fittedSize(160, 90, {}), { width: 160, height: 90 });
});

test("too small: the short side up to the minimum; too large: the long side down to the maximum", () => {
  assert.deepEqual(fittedSize(160, 90, KLING), { width: 1280, height: 720 });
  assert.deepEqual(fittedSize(90, 160, KLING), { width: 720, height: 1280 });
  assert.deepEqual(fittedSize(3840, 2160, KLING), { width: 1920, height: 1080 });
  // 4:3 at 500x375: x1.92 gives 960x720, both even.
  assert.deepEqual(fittedSize(500, 375, KLING), { width: 960, height: 720 });
});

test("a shape no size fits (wider than 1920:720) is refused", () => {
  assert.equal(fittedSize(1280, 90, KLING), undefined);
  assert.equal(fittedSize(2000, 700, KLING), undefined);
});
