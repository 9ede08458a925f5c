// A music file: inside the storyboard's folder, an audio format ffmpeg reads (by its first bytes), hashed.
import { createHash } from "node:crypto";
import { readFile, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { isInside } from "../paths.js";
import { isMissing } from "../util/fs.js";
import type { AudioFile } from "./types.js";

const MAX_BYTES = 200_000_000;

export function sniffAudio(b: Uint8Array): AudioFile["format"] | undefined {
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WAVE") return "wav";
  if (ascii(0, 4) === "fLaC") return "flac";
  if (ascii(0, 4) === "OggS") return "ogg";
  if (ascii(4, 8) === "ftyp") return "m4a";
  if (ascii(0, 3) === "ID3") return "mp3";
  // An MPEG audio frame header: 11 sync bits, then a layer that is not "reserved".
  if (b[0] === 0xff && (b[1]! & 0xe0) === 0xe0 && (b[1]! & 0x06) !== 0) return "mp3";
  return undefined;
}

// The file, or a message saying what is wrong with it.
export async function resolveAudioFile(
  source: string,
  ctx: { dir: string; realDir: string; allowOutside: boolean },
): Promise<AudioFile | string> {
  if (/^[a-z][a-z0-9+.-]+:/i.test(source))
    return `must be a local audio file, relative to the storyboard's folder (got ${source})`;
  let real: string;
  try {
    real = await realpath(path.resolve(ctx.dir, source));
  } catch (err) {
    if (!isMissing(err)) throw err;
    return `file not found: ${source} (paths are relative to the storyboard's folder)`;
  }
  if (!ctx.allowOutside && !isInside(ctx.realDir, real))
    return `${source} is outside the storyboard's folder; move it inside, or pass --allow-outside-images`;
  const info = await stat(real);
  if (!info.isFile()) return `is not a file: ${source}`;
  if (info.size > MAX_BYTES) return `is ${Math.round(info.size / 1e6)} MB; a music bed may be at most 200 MB`;
  const bytes = await readFile(real);
  const format = sniffAudio(bytes);
  if (!format) return `is not an MP3, WAV, FLAC, Ogg or M4A file (its first bytes say otherwise): ${source}`;
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  return { source, path: real, sha256, bytes: info.size, format };
}
