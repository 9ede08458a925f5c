// Writing mp4 boxes (pure): a box, a full box, a table of 32-bit entries, an edit list, a header box with its
// duration set. For the in-process joins (mp4-join.ts, mp4-mux.ts).
import type { JoinedTrack } from "./mp4-join-plan.js";

export const U32 = 0xffffffff;

export function editList(edits: JoinedTrack["edits"]): Buffer {
  const v1 = edits.some((e) => e.duration > U32 || e.mediaTime > 0x7fffffff);
  const w = v1 ? 20 : 12;
  const body = Buffer.alloc(4 + edits.length * w);
  body.writeUInt32BE(edits.length, 0);
  edits.forEach((e, i) => {
    const at = 4 + i * w;
    if (v1) {
      body.writeBigUInt64BE(BigInt(e.duration), at);
      body.writeBigInt64BE(BigInt(e.mediaTime), at + 8);
    } else {
      body.writeUInt32BE(e.duration, at);
      body.writeInt32BE(e.mediaTime, at + 4);
    }
    body.writeUInt32BE(0x10000, at + w - 4);
  });
  return full("elst", v1 ? 1 : 0, body);
}

// A copy of a header box with its duration field set (mvhd, tkhd, mdhd keep it at different places).
export function withDuration(
  original: Buffer,
  type: "mvhd" | "tkhd" | "mdhd",
  duration: number,
): Buffer | string {
  const copy = Buffer.from(original);
  const v1 = copy.readUInt8(8) === 1;
  const at = { mvhd: v1 ? 32 : 24, tkhd: v1 ? 36 : 28, mdhd: v1 ? 32 : 24 }[type];
  if (v1) copy.writeBigUInt64BE(BigInt(duration), at);
  else if (duration > U32) return `the film is too long for the clips' ${type} box`;
  else copy.writeUInt32BE(duration, at);
  return copy;
}

export function table(type: string, version: number, rows: number[][]): Buffer {
  return full(type, version, u32s([rows.length, ...rows.flat()]));
}

export function u32s(values: number[]): Buffer {
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => {
    if (v < 0) buf.writeInt32BE(v, i * 4);
    else buf.writeUInt32BE(v, i * 4);
  });
  return buf;
}

export function u64s(values: number[]): Buffer {
  const buf = Buffer.alloc(4 + values.length * 8);
  buf.writeUInt32BE(values.length, 0);
  values.forEach((v, i) => {
    buf.writeBigUInt64BE(BigInt(v), 4 + i * 8);
  });
  return buf;
}

export function full(type: string, version: number, body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt8(version, 0);
  return box(type, head, body);
}

export function box(type: string, ...parts: Buffer[]): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + parts.reduce((t, p) => t + p.length, 0), 0);
  head.write(type, 4, "latin1");
  return Buffer.concat([head, ...parts]);
}

// The mdat header for `bytes` of media data (a 64-bit size past 4 GiB).
export function mdatHeader(bytes: number): Buffer {
  const large = bytes + 8 > U32;
  const head = Buffer.alloc(large ? 16 : 8);
  head.writeUInt32BE(large ? 1 : bytes + 8, 0);
  head.write("mdat", 4, "latin1");
  if (large) head.writeBigUInt64BE(BigInt(bytes + 16), 8);
  return head;
}
