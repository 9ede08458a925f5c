// The film's soundtrack encoded to AAC in chunks kept in the cache (<cache>/segments/<key>.aac, raw ADTS), so a
// re-stitch encodes only the chunks whose samples changed. A chunk is a whole number of AAC frames (1024
// samples) and its key is the sha256 of the very samples that shape its packets: its own and CONTEXT samples
// either side (an AAC frame's window reaches 1024 samples into the next chunk, and the encoder looks ahead and
// back). Missing chunks are encoded in runs (a first stitch: one run, the single pass itself), each with its
// context, and only the run's own packets kept; joined, the chunks decode to a single pass within the codec's
// own noise (test/e2e/audio-chunks-cache.test.ts measures the joins).
import { open, readFile, rename, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import path from "node:path";
import { tempSibling } from "../cache/atomic.js";
import { runTool } from "../media/run.js";
import { RunError } from "../errors.js";
import { removeIfExists, statIfExists } from "../util/fs.js";
import { canonicalJson } from "../util/hash.js";
import { AUDIO_CODEC, encodeAudioArgs } from "./args.js";
import { sideBySide } from "./side-by-side.js";

export const AAC_FRAME = 1024;
// 256 frames: about 5.5 s at 48 kHz. An edit re-encodes the chunks its samples touch, one or two of them.
export const CHUNK_FRAMES = 256;
export const CONTEXT = 4 * AAC_FRAME;
const BYTES_PER_SAMPLE = 8; // stereo f32le
// Bump when the chunks' encoding changes, so old chunks are not reused.
export const AUDIO_FORMAT = 1;

export interface EncodedAudio {
  // The chunks' files in film order; joined, they are the film's AAC stream (its first packet the priming).
  files: string[];
  keys: string[];
  made: number;
  reused: number;
}

// Chunk boundaries in samples: [0, n·CHUNK, ..., total].
export function chunkBounds(total: number, frames = CHUNK_FRAMES): number[] {
  const size = frames * AAC_FRAME;
  const bounds = [0];
  for (let at = size; at < total; at += size) bounds.push(at);
  bounds.push(total);
  return bounds;
}

export async function encodeAudio(o: {
  pcm: string;
  totalSamples: number;
  dir: string;
  ffmpeg: string;
  parallel: number;
  chunkFrames?: number;
  signal?: AbortSignal;
}): Promise<EncodedAudio> {
  const bounds = chunkBounds(o.totalSamples, o.chunkFrames);
  const n = bounds.length - 1;
  const keys: string[] = [];
  const handle = await open(o.pcm, "r");
  try {
    for (let k = 0; k < n; k++) {
      const from = Math.max(0, bounds[k]! - CONTEXT);
      const to = Math.min(o.totalSamples, bounds[k + 1]! + CONTEXT);
      const bytes = Buffer.alloc((to - from) * BYTES_PER_SAMPLE);
      await handle.read(bytes, 0, bytes.length, from * BYTES_PER_SAMPLE);
      const shape = {
        audio_format: AUDIO_FORMAT,
        codec: AUDIO_CODEC,
        before: bounds[k]! - from,
        to: to - from,
      };
      keys.push(createHash("sha256").update(canonicalJson(shape)).update(bytes).digest("hex"));
    }
  } finally {
    await handle.close();
  }
  const files = keys.map((key) => path.join(o.dir, `${key}.aac`));
  const missing: boolean[] = [];
  for (const file of files) missing.push(!(await statIfExists(file)));
  // Consecutive missing chunks are one run: one encoder, its own packets shared out between them.
  const runs: Array<[number, number]> = [];
  for (let k = 0; k < n; k++)
    if (missing[k]) {
      const last = runs.at(-1);
      if (last && last[1] === k) last[1] = k + 1;
      else runs.push([k, k + 1]);
    }
  await sideBySide(
    runs.map(
      ([first, end]) =>
        (signal) =>
          encodeRun(o, bounds, files, first, end, signal),
    ),
    o.parallel,
    o.signal,
  );
  const made = missing.filter(Boolean).length;
  return { files, keys, made, reused: n - made };
}

// Chunks first..end-1 from one encoder over their samples and the context either side.
async function encodeRun(
  o: { pcm: string; totalSamples: number; ffmpeg: string },
  bounds: number[],
  files: string[],
  first: number,
  end: number,
  signal: AbortSignal,
): Promise<void> {
  const from = Math.max(0, bounds[first]! - CONTEXT);
  const to = end === bounds.length - 1 ? o.totalSamples : Math.min(o.totalSamples, bounds[end]! + CONTEXT);
  const out = tempSibling(path.join(path.dirname(files[first]!), "run.aac"));
  // The whole film is read in place; a run of it is copied out first (a few seconds: a few MB).
  const whole = from === 0 && to === o.totalSamples;
  const input = whole ? o.pcm : tempSibling(o.pcm);
  try {
    if (!whole)
      await pipeline(
        createReadStream(o.pcm, { start: from * BYTES_PER_SAMPLE, end: to * BYTES_PER_SAMPLE - 1 }),
        createWriteStream(input),
      );
    await runTool(o.ffmpeg, encodeAudioArgs(input, out), { signal });
    const packets = adtsPackets(await readFile(out));
    // Packet i holds the samples from (from + (i - 1)·1024): the encoder's first packet is its priming.
    const start = (i: number) => from + (i - 1) * AAC_FRAME;
    const lastChunk = bounds.length - 2;
    for (let k = first; k < end; k++) {
      const own = packets.filter((_, i) => {
        const at = start(i);
        const afterStart = at >= bounds[k]! || (k === 0 && at === -AAC_FRAME);
        return afterStart && (k === lastChunk || at < bounds[k + 1]!);
      });
      const tmp = tempSibling(files[k]!);
      try {
        await writeFile(tmp, Buffer.concat(own));
        await rename(tmp, files[k]!);
      } finally {
        await removeIfExists(tmp);
      }
    }
  } finally {
    await removeIfExists(out);
    if (!whole) await removeIfExists(input);
  }
}

// ADTS frames: each begins with its own length (13 bits from bit 30 of its header).
export function adtsPackets(stream: Buffer): Buffer[] {
  const packets: Buffer[] = [];
  for (let at = 0; at + 7 <= stream.length; ) {
    if (stream[at] !== 0xff || (stream[at + 1]! & 0xf0) !== 0xf0)
      throw new RunError(`the encoded audio is not ADTS at byte ${at}`);
    const length = ((stream[at + 3]! & 0x03) << 11) | (stream[at + 4]! << 3) | (stream[at + 5]! >> 5);
    packets.push(stream.subarray(at, at + length));
    at += length;
  }
  return packets;
}
