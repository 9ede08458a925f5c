// Each chunk's loudness (its quarters' K-weighted energies and its true peak, loudness-meter.ts) measured
// from a mixed window and kept beside its encoded audio (<cache>/segments/<key>.lufs), keyed by the chunk's
// mix before any gain: the film's gain is then found from every chunk's measurement with only the chunks an
// edit reached mixed again.
import { readFileSync } from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../cache/atomic.js";
import { canonicalJson, sha256 } from "../util/hash.js";
import { BYTES_PER_SAMPLE, type PcmSource } from "./encoded-audio.js";
import { type ChunkLoudness, kState, measureSpan } from "./loudness-meter.js";

// Bump when the measurement changes.
const LOUDNESS_FORMAT = 1;
// Samples read beside a chunk for its true peak's interpolation.
const MARGIN = 16;

export function loudnessKey(mixKey: string): string {
  return sha256(canonicalJson({ loudness_format: LOUDNESS_FORMAT, mix: mixKey }));
}

export const loudnessFile = (dir: string, key: string) => path.join(dir, `${key}.lufs`);

// Synchronously: a film has a measurement per chunk (159 for 48 shots of 5 s), and through the thread pool each
// small file costs this thread more than reading it here.
export function readLoudness(dir: string, key: string): ChunkLoudness | undefined {
  try {
    const value = JSON.parse(readFileSync(loudnessFile(dir, key), "utf8")) as ChunkLoudness;
    return Array.isArray(value.energies) && typeof value.peak === "number" ? value : undefined;
  } catch {
    return undefined;
  }
}

export async function writeLoudness(dir: string, key: string, value: ChunkLoudness): Promise<void> {
  await writeFileAtomic(loudnessFile(dir, key), JSON.stringify(value), { durable: false });
}

// Chunks first..end-1 measured from a window that holds them and the pre-roll before the first (read a chunk
// at a time: the filters' state carries from one to the next).
export async function measureChunks(
  window: PcmSource & { to: number },
  bounds: number[],
  first: number,
  end: number,
): Promise<ChunkLoudness[]> {
  const handle = await open(window.file, "r");
  const state = kState();
  const read = async (from: number, to: number) => {
    const a = Math.max(window.from, from);
    const b = Math.min(window.to, to);
    const bytes = Buffer.alloc((b - a) * BYTES_PER_SAMPLE);
    await handle.read(bytes, 0, bytes.length, (a - window.from) * BYTES_PER_SAMPLE);
    return { pcm: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4), from: a };
  };
  try {
    const warm = await read(window.from, bounds[first]!);
    measureSpan(warm.pcm, warm.from, warm.from, bounds[first]!, state, false);
    const measured: ChunkLoudness[] = [];
    for (let k = first; k < end; k++) {
      const span = await read(bounds[k]! - MARGIN, bounds[k + 1]! + MARGIN);
      measured.push(measureSpan(span.pcm, span.from, bounds[k]!, bounds[k + 1]!, state));
    }
    return measured;
  } finally {
    await handle.close();
  }
}
