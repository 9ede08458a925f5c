// The film's soundtrack encoded to AAC in chunks kept in the cache (<cache>/segments/<key>.aac, raw ADTS), so a
// re-stitch encodes only the chunks an edit reaches. A chunk is a whole number of AAC frames (1024 samples);
// what shapes its packets is its own samples and CONTEXT samples either side (an AAC frame's window reaches
// 1024 samples into the next chunk, and the encoder looks ahead and back). Its key is what made those samples
// (soundtrack.ts, mix-windows.ts), or, on the limiter's path, the samples themselves. Missing chunks are
// encoded in runs (a first stitch: one run, the single pass itself), each with its context, and only the
// run's own packets kept; joined, the chunks decode to a single pass within the codec's own noise
// (test/e2e/audio-chunks-cache.test.ts measures the joins).
import { open, readFile, rename, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import path from "node:path";
import { tempSibling } from "../cache/atomic.js";
import { adtsFrames } from "../media/adts.js";
import { runTool } from "../media/run.js";
import { RunError } from "../errors.js";
import { existsNow, removeIfExists } from "../util/fs.js";
import { canonicalJson } from "../util/hash.js";
import { AUDIO_CODEC, encodeAudioArgs } from "./args.js";
import { sideBySide } from "./side-by-side.js";

export const AAC_FRAME = 1024;
// 64 frames: about 1.4 s at 48 kHz. An edit mixes and encodes the chunks whose windows it reaches (a 5 s
// shot: about 7 s of them, mix-windows.ts); smaller chunks would add files, not save much more.
export const CHUNK_FRAMES = 64;
export const CONTEXT = 4 * AAC_FRAME;
export const BYTES_PER_SAMPLE = 8; // stereo f32le
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

// Samples [from, to) of a soundtrack: in `file` (stereo f32le) from film sample `from` on.
export interface PcmSource {
  file: string;
  from: number;
}

// The film's PCM keyed by its samples (the limiter's path, soundtrack.ts): each chunk's key is the sha256 of
// its samples with their context.
export async function encodeAudio(o: {
  pcm: string;
  totalSamples: number;
  dir: string;
  ffmpeg: string;
  // The ffmpeg's version: chunks made by another are not used.
  binary: string;
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
        binary: o.binary,
        before: bounds[k]! - from,
        to: to - from,
      };
      keys.push(createHash("sha256").update(canonicalJson(shape)).update(bytes).digest("hex"));
    }
  } finally {
    await handle.close();
  }
  const files = keys.map((key) => path.join(o.dir, `${key}.aac`));
  const missing = missingFiles(files);
  const source = { file: o.pcm, from: 0 };
  await sideBySide(
    runsOf(missing).map(
      ([first, end]) =>
        (signal) =>
          encodeRun({ ...o, source, gainDb: 0 }, bounds, files, first, end, signal),
    ),
    o.parallel,
    o.signal,
  );
  const made = missing.filter(Boolean).length;
  return { files, keys, made, reused: n - made };
}

// Synchronously, as the pieces are checked (encode-pieces.ts).
export function missingFiles(files: string[]): boolean[] {
  return files.map((file) => !existsNow(file));
}

// Consecutive chunks flagged true, as [first, end) runs: one encoder (one mix) each.
export function runsOf(flags: boolean[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  flags.forEach((flag, k) => {
    const last = runs.at(-1);
    if (!flag) return;
    if (last && last[1] === k) last[1] = k + 1;
    else runs.push([k, k + 1]);
  });
  return runs;
}

// The samples a run of chunks first..end-1 is encoded from: theirs and the context either side.
export function runSpan(bounds: number[], first: number, end: number): { from: number; to: number } {
  const total = bounds.at(-1)!;
  return {
    from: Math.max(0, bounds[first]! - CONTEXT),
    to: end === bounds.length - 1 ? total : Math.min(total, bounds[end]! + CONTEXT),
  };
}

// Chunks first..end-1 from one encoder over their samples and the context either side, with the film's gain.
export async function encodeRun(
  o: { source: PcmSource; ffmpeg: string; gainDb: number },
  bounds: number[],
  files: string[],
  first: number,
  end: number,
  signal: AbortSignal,
): Promise<void> {
  const { from, to } = runSpan(bounds, first, end);
  const out = tempSibling(path.join(path.dirname(files[first]!), "run.aac"));
  const input = tempSibling(o.source.file);
  try {
    await copyPcm(o.source, from, to, input, o.gainDb);
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
    await removeIfExists(input);
  }
}

// Samples [from, to) of `source` into `out`, times the gain (in f32, as ffmpeg's volume filter does).
async function copyPcm(source: PcmSource, from: number, to: number, out: string, gainDb: number) {
  const factor = Math.fround(10 ** (gainDb / 20));
  const input = await open(source.file, "r");
  const output = await open(out, "w");
  try {
    const block = Buffer.alloc(1 << 20);
    for (let at = from; at < to; ) {
      const bytes = Math.min(block.length, (to - at) * BYTES_PER_SAMPLE);
      const { bytesRead } = await input.read(block, 0, bytes, (at - source.from) * BYTES_PER_SAMPLE);
      if (bytesRead !== bytes) throw new RunError(`the mixed soundtrack ends before sample ${to}`);
      if (gainDb !== 0) {
        const samples = new Float32Array(block.buffer, block.byteOffset, bytes / 4);
        for (let i = 0; i < samples.length; i++) samples[i]! *= factor;
      }
      await output.write(block, 0, bytes);
      at += bytes / BYTES_PER_SAMPLE;
    }
  } finally {
    await input.close();
    await output.close();
  }
}

// The encoded run's packets, whole: each chunk file is ADTS, as the mux reads it.
export function adtsPackets(stream: Buffer): Buffer[] {
  const frames = adtsFrames(stream);
  if (typeof frames === "string") throw new RunError(`the encoded audio is ${frames}`);
  return frames.map((f) => f.packet);
}
