// The soundtrack's loudness from its chunks (pure): BS.1770's reference levels, the gates, the same result
// however the film is cut into chunks, and a true peak between samples.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type ChunkLoudness,
  integratedLoudness,
  kState,
  measureSpan,
  QUARTER,
} from "../../src/stitch/loudness-meter.js";

const RATE = 48000;

// Interleaved stereo: the same signal in both channels.
function stereo(seconds: number, at: (t: number) => number): Float32Array {
  const n = Math.round(seconds * RATE);
  const pcm = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) pcm[2 * i] = pcm[2 * i + 1] = at(i / RATE);
  return pcm;
}
const sine = (amplitude: number, hz: number) => (t: number) => amplitude * Math.sin(2 * Math.PI * hz * t);

// The film measured in chunks of `size` samples, each with the filters' state carried from the one before.
function measure(pcm: Float32Array, size: number): ChunkLoudness[] {
  const state = kState();
  const total = pcm.length / 2;
  const chunks: ChunkLoudness[] = [];
  for (let from = 0; from < total; from += size)
    chunks.push(measureSpan(pcm, 0, from, Math.min(total, from + size), state));
  return chunks;
}

test("a 1 kHz sine at -20 dBFS in both channels reads -20 LUFS (BS.1770's reference)", () => {
  const pcm = stereo(5, sine(0.1, 1000));
  const lufs = integratedLoudness(measure(pcm, 262144), pcm.length / 2);
  assert.ok(Math.abs(lufs - -20) < 0.05, `${lufs} LUFS`);
});

test("the same loudness however the film is cut into chunks", () => {
  const pcm = stereo(7.3, (t) => sine(0.2, 440)(t) * (t < 3 ? 1 : 0.1) + sine(0.05, 3000)(t));
  const total = pcm.length / 2;
  const whole = integratedLoudness(measure(pcm, total), total);
  for (const size of [1024, 5000, QUARTER, 16384, 100003])
    assert.ok(Math.abs(integratedLoudness(measure(pcm, size), total) - whole) < 1e-9, `chunks of ${size}`);
});

// (The blocks across the edge, partly loud, pass both gates: -20.16 LUFS.)
test("silence is gated out absolutely, and a passage 20 dB quieter relatively", () => {
  const loud = stereo(4, sine(0.1, 1000));
  const withSilence = new Float32Array(loud.length * 2);
  withSilence.set(loud);
  assert.ok(Math.abs(integratedLoudness(measure(withSilence, 16384), 2 * 4 * RATE) - -20) < 0.2);
  const quiet = stereo(8, (t) => sine(t < 4 ? 0.1 : 0.01, 1000)(t));
  assert.ok(Math.abs(integratedLoudness(measure(quiet, 16384), 8 * RATE) - -20) < 0.2);
  assert.equal(integratedLoudness(measure(new Float32Array(2 * RATE), 4096), RATE), -Infinity);
});

test("the true peak is found between samples", () => {
  // A quarter of the sample rate, 45 degrees off: every sample at 0.707 of the wave's peak.
  const pcm = stereo(1, (t) => 0.5 * Math.sin(2 * Math.PI * 12000 * t + Math.PI / 4));
  const [chunk] = measure(pcm, RATE);
  const db = 20 * Math.log10(chunk!.peak / 0.5);
  assert.ok(Math.abs(db) < 0.2, `true peak ${db.toFixed(2)} dB from the wave's`);
});
