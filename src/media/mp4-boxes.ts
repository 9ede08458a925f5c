// ISO BMFF (mp4) box walking over a Buffer: the few readers mp4.ts needs, nothing it does not.

export interface Box {
  type: string;
  // Offsets into the buffer: where the payload starts and where the box ends.
  start: number;
  end: number;
}

// The boxes directly inside [from, to); undefined when a size does not fit, so the caller can give up cleanly.
export function children(buf: Buffer, from: number, to: number): Box[] | undefined {
  const boxes: Box[] = [];
  let at = from;
  while (at + 8 <= to) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString("latin1", at + 4, at + 8);
    let header = 8;
    if (size === 1) {
      if (at + 16 > to) return undefined;
      size = Number(buf.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) size = to - at;
    if (size < header || at + size > to) return undefined;
    boxes.push({ type, start: at + header, end: at + size });
    at += size;
  }
  return boxes;
}

export function find(buf: Buffer, box: Box | undefined, path: string[]): Box | undefined {
  let current = box;
  for (const type of path) {
    if (!current) return undefined;
    current = children(buf, current.start, current.end)?.find((b) => b.type === type);
  }
  return current;
}

// A full box's version byte, and where its fields start after version and flags.
export function fullBox(buf: Buffer, box: Box): { version: number; at: number } {
  return { version: buf.readUInt8(box.start), at: box.start + 4 };
}

// Reads big-endian integers of 1 to 8 bytes, as numbers (mp4 sizes and durations fit in 2^53).
export function uint(buf: Buffer, at: number, bytes: number): number {
  if (bytes === 8) return Number(buf.readBigUInt64BE(at));
  return buf.readUIntBE(at, bytes);
}

// Bit reader over an H.264 RBSP, with emulation-prevention bytes already removed.
export class Bits {
  private bit = 0;
  constructor(private readonly bytes: Buffer) {}

  u(n: number): number {
    let value = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.bytes[this.bit >> 3];
      if (byte === undefined) throw new RangeError("read past the end of the parameter set");
      value = value * 2 + ((byte >> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return value;
  }

  // Exp-Golomb codes, unsigned and signed.
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) if (++zeros > 31) throw new RangeError("bad exp-Golomb code");
    return 2 ** zeros - 1 + this.u(zeros);
  }

  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -k / 2;
  }
}

// 00 00 03 → 00 00: the 03 was inserted so that the payload never looks like a start code.
export function unescapeRbsp(nal: Buffer): Buffer {
  const out: number[] = [];
  let zeros = 0;
  for (const byte of nal) {
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    zeros = byte === 0 ? zeros + 1 : 0;
    out.push(byte);
  }
  return Buffer.from(out);
}
