// An ADTS stream (AAC frames, each behind a 7-byte header) read into frames, and the mp4 sample entry (mp4a
// with its esds descriptor) that says how they are coded: what an mp4 audio track needs of them.
import { box, full } from "./mp4-write.js";

export interface Adts {
  frames: Buffer[];
  // MPEG-4 audio object type (2: AAC LC), sample rate and channels, from the first frame's header.
  objectType: number;
  rateIndex: number;
  rate: number;
  channels: number;
}

const RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

// The stream cut into its frames, each whole (header included) with its header's length (9 with a CRC).
export function adtsFrames(stream: Buffer): Array<{ packet: Buffer; header: number }> | string {
  const frames: Array<{ packet: Buffer; header: number }> = [];
  for (let at = 0; at + 7 <= stream.length; ) {
    if (stream[at] !== 0xff || (stream[at + 1]! & 0xf6) !== 0xf0) return `not ADTS at byte ${at}`;
    // Each frame begins with its own length (13 bits from bit 30 of its header).
    const length = ((stream[at + 3]! & 0x03) << 11) | (stream[at + 4]! << 3) | (stream[at + 5]! >> 5);
    const header = (stream[at + 1]! & 1) === 0 ? 9 : 7;
    if (length < header || at + length > stream.length) return `an ADTS frame cut short at byte ${at}`;
    frames.push({ packet: stream.subarray(at, at + length), header });
    at += length;
  }
  return frames;
}

export function readAdts(stream: Buffer): Adts | string {
  const split = adtsFrames(stream);
  if (typeof split === "string") return split;
  const frames: Buffer[] = [];
  let config: Omit<Adts, "frames"> | undefined;
  for (const { packet, header } of split) {
    // One raw data block per frame: more would need the block offsets, which mp4 does not carry.
    if ((packet[6]! & 0x03) !== 0) return "ADTS frames of several blocks";
    const objectType = (packet[2]! >> 6) + 1;
    const rateIndex = (packet[2]! >> 2) & 0x0f;
    const channels = ((packet[2]! & 1) << 2) | (packet[3]! >> 6);
    const rate = RATES[rateIndex];
    if (!rate || channels === 0) return "an ADTS stream without its rate or channels";
    config ??= { objectType, rateIndex, rate, channels };
    if (config.rateIndex !== rateIndex || config.channels !== channels)
      return "ADTS frames coded differently";
    frames.push(packet.subarray(header));
  }
  if (!config || frames.length === 0) return "no ADTS frames";
  return { frames, ...config };
}

// The stsd box for these frames: mp4a with an esds whose decoder config carries the AudioSpecificConfig.
export function mp4aSampleDescription(a: Adts, trackId: number, seconds: number): Buffer {
  const asc = Buffer.alloc(2);
  asc.writeUInt16BE((a.objectType << 11) | (a.rateIndex << 7) | (a.channels << 3), 0);
  const bytes = a.frames.reduce((t, f) => t + f.length, 0);
  const average = Math.round((bytes * 8) / Math.max(seconds, 1e-3));
  const decoderConfig = Buffer.alloc(13);
  decoderConfig.writeUInt8(0x40, 0); // MPEG-4 audio
  decoderConfig.writeUInt8(0x15, 1); // an audio stream
  decoderConfig.writeUIntBE(Math.max(...a.frames.map((f) => f.length)), 2, 3);
  decoderConfig.writeUInt32BE(average, 5);
  decoderConfig.writeUInt32BE(average, 9);
  const es = Buffer.alloc(3);
  es.writeUInt16BE(trackId, 0);
  const descriptor = Buffer.concat([
    es,
    tagged(4, Buffer.concat([decoderConfig, tagged(5, asc)])),
    tagged(6, Buffer.from([0x02])),
  ]);
  const entry = Buffer.alloc(28);
  entry.writeUInt16BE(1, 6); // data_reference_index
  entry.writeUInt16BE(Math.min(a.channels, 2), 16);
  entry.writeUInt16BE(16, 18);
  entry.writeUInt32BE(a.rate < 65536 ? a.rate * 65536 : 0, 24);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(1, 0);
  return full("stsd", 0, Buffer.concat([count, box("mp4a", entry, full("esds", 0, tagged(3, descriptor)))]));
}

// An MPEG-4 descriptor: its tag, its length (one byte each 7 bits, high bit set on all but the last), its body.
function tagged(tag: number, body: Buffer): Buffer {
  const length: number[] = [body.length & 0x7f];
  for (let n = body.length >> 7; n > 0; n >>= 7) length.unshift((n & 0x7f) | 0x80);
  return Buffer.concat([Buffer.from([tag, ...length]), body]);
}
