// Storyboard bytes to text: UTF-8 (with or without a BOM) or UTF-16 with a BOM. Anything else is refused with
// the line, column and byte where it stops being text, so a mis-encoded prompt is never sent to fal and paid for.
import type { Problem } from "../errors.js";

// A storyboard of 1,000 shots with the longest prompts is about 3 MB.
export const MAX_STORYBOARD_BYTES = 4 * 1024 * 1024;

export type Decoded = { text: string } | { problem: Omit<Problem, "file" | "path"> };

export function decodeStoryboard(bytes: Uint8Array): Decoded {
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return { text: new TextDecoder("utf-16le").decode(bytes.subarray(2)) };
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return { text: new TextDecoder("utf-16be").decode(bytes.subarray(2)) };
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  const bad = firstInvalidUtf8(body);
  if (bad === undefined) return { text: new TextDecoder("utf-8").decode(body) };
  const { line, col } = positionOfByte(body, bad);
  const byte = `0x${body[bad]!.toString(16).padStart(2, "0").toUpperCase()}`;
  const message =
    body[bad] === 0
      ? `the file contains a NUL byte (byte ${bad}); is it UTF-16 without a byte-order mark? Save it as UTF-8`
      : `is not valid UTF-8: byte ${bad} (${byte}) does not begin a UTF-8 character here (is the file in Latin-1 or Windows-1252?); save it as UTF-8`;
  return { problem: { line, col, message } };
}

// The offset of the first byte that is not well-formed UTF-8 (or is NUL), or undefined.
export function firstInvalidUtf8(b: Uint8Array): number | undefined {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c === 0) return i;
    if (c < 0x80) {
      i += 1;
      continue;
    }
    const [n, lo, hi] = leadByte(c);
    if (n === 0) return i;
    for (let k = 1; k < n; k++) {
      const next = b[i + k];
      const [min, max] = k === 1 ? [lo, hi] : [0x80, 0xbf];
      if (next === undefined || next < min || next > max) return i;
    }
    i += n;
  }
  return undefined;
}

// A lead byte's sequence length and the allowed range of the byte after it: no overlong forms, no
// surrogates, nothing above U+10FFFF. Length 0: not a lead byte.
function leadByte(c: number): [number, number, number] {
  if (c >= 0xc2 && c <= 0xdf) return [2, 0x80, 0xbf];
  if (c === 0xe0) return [3, 0xa0, 0xbf];
  if (c === 0xed) return [3, 0x80, 0x9f];
  if (c >= 0xe1 && c <= 0xef) return [3, 0x80, 0xbf];
  if (c === 0xf0) return [4, 0x90, 0xbf];
  if (c >= 0xf1 && c <= 0xf3) return [4, 0x80, 0xbf];
  if (c === 0xf4) return [4, 0x80, 0x8f];
  return [0, 0, 0];
}

// Line and column (in characters) of a byte offset, counting the valid UTF-8 before it.
function positionOfByte(b: Uint8Array, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    if (b[i] === 0x0a) {
      line += 1;
      start = i + 1;
    }
  }
  const before = new TextDecoder("utf-8").decode(b.subarray(start, offset));
  return { line, col: [...before].length + 1 };
}
