// The soundtrack's chunks (pure parts): boundaries on whole AAC frames, ADTS packets split by their headers,
// and the film's gain in whole steps, so that an edit that moves the loudness a little keeps every chunk.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AAC_FRAME, adtsPackets, CHUNK_FRAMES, chunkBounds } from "../../src/stitch/encoded-audio.js";
import { filmGain, GAIN_STEP } from "../../src/stitch/soundtrack.js";

test("chunk boundaries fall on whole AAC frames; the last chunk ends at the film's last sample", () => {
  const size = CHUNK_FRAMES * AAC_FRAME;
  assert.deepEqual(chunkBounds(2 * size + 5), [0, size, 2 * size, 2 * size + 5]);
  assert.deepEqual(chunkBounds(2 * size), [0, size, 2 * size], "no empty chunk at the end");
  assert.deepEqual(chunkBounds(100), [0, 100]);
  assert.deepEqual(chunkBounds(5000, 2), [0, 2048, 4096, 5000]);
  for (const b of chunkBounds(1e6).slice(0, -1)) assert.equal(b % AAC_FRAME, 0);
});

// A minimal ADTS frame: the 7-byte header (no CRC) with its length, then the payload.
function adts(payload: number[]): Buffer {
  const length = 7 + payload.length;
  const header = [
    0xff,
    0xf1,
    0x4c,
    0x80 | (length >> 11),
    (length >> 3) & 0xff,
    ((length & 7) << 5) | 0x1f,
    0xfc,
  ];
  return Buffer.from([...header, ...payload]);
}

test("ADTS packets are split by the length each header gives; anything else is refused", () => {
  const frames = [adts([1, 2, 3]), adts([]), adts(Array.from({ length: 300 }, (_, i) => i & 0xff))];
  const packets = adtsPackets(Buffer.concat(frames));
  assert.deepEqual(packets, frames);
  assert.throws(() => adtsPackets(Buffer.from([0, 1, 2, 3, 4, 5, 6, 7])), /not ADTS/);
});

test("the film's gain is the distance to the target in whole steps: a small change keeps it", () => {
  assert.equal(GAIN_STEP, 0.5);
  assert.equal(filmGain(-16, -22.1), 6);
  assert.equal(filmGain(-16, -22.2), 6, "0.1 LU quieter: the same gain, the same chunks");
  assert.equal(filmGain(-16, -22.3), 6.5);
  assert.equal(filmGain(-16, -15.9), 0);
  assert.equal(filmGain(-16, -10), -6);
  for (let i = -40; i < -5; i += 0.37)
    assert.ok(Math.abs(-16 - (i + filmGain(-16, i))) <= GAIN_STEP / 2 + 1e-9);
});
