// Reads an mp4's boxes in process for what ffprobe would report, without starting it (~130 ms of CPU per start
// with Debian's ffmpeg). Anything it does not understand is "unknown", and the caller asks ffprobe.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { parseSps } from "./h264-sps.js";
import { type Box, children, find, fullBox, uint } from "./mp4-boxes.js";
import type { MediaInfo } from "./media-info.js";

export type Mp4Reading =
  | { kind: "read"; info: MediaInfo }
  | { kind: "incomplete"; why: string }
  | { kind: "unknown"; why: string };

// moov holds only tables; a few MB covers hours of video, so anything larger is not a file we understand.
const MAX_MOOV_BYTES = 64 * 1024 * 1024;

// Read synchronously: a few small reads of a file just written or downloaded, each cheaper than a trip through
// the thread pool.
export async function readMp4(file: string): Promise<Mp4Reading> {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return { kind: "incomplete", why: "it is empty" };
    const top = topLevelBoxes(fd, size);
    if (top.kind !== "boxes") return top;
    const moov = top.boxes.find((b) => b.type === "moov");
    const mdats = top.boxes.filter((b) => b.type === "mdat");
    if (top.boxes.some((b) => b.type === "moof")) return { kind: "unknown", why: "a fragmented mp4" };
    if (!moov) return { kind: "incomplete", why: "it has no moov box (the file's index)" };
    if (mdats.length === 0) return { kind: "incomplete", why: "it has no mdat box (the media data)" };
    if (moov.end - moov.start > MAX_MOOV_BYTES)
      return { kind: "unknown", why: "an unusually large moov box" };
    const buf = Buffer.alloc(moov.end - moov.start);
    readSync(fd, buf, 0, buf.length, moov.start);
    try {
      return readMoov(buf, mdats, size);
    } catch (err) {
      // A table that runs past its box: not something this reader understands, so ffprobe decides.
      if (err instanceof RangeError) return { kind: "unknown", why: "a malformed table in its moov box" };
      throw err;
    }
  } finally {
    closeSync(fd);
  }
}

export type TopLevel = { kind: "boxes"; boxes: Box[] } | Exclude<Mp4Reading, { kind: "read" }>;

// The top-level boxes must tile the file exactly: a download cut short ends inside one of them.
export function topLevelBoxes(fd: number, size: number): TopLevel {
  const boxes: Box[] = [];
  const header = Buffer.alloc(16);
  let at = 0;
  while (at < size) {
    const bytesRead = readSync(fd, header, 0, 16, at);
    if (bytesRead < 8) return { kind: "incomplete", why: `it ends ${size - at} bytes into a box header` };
    const type = header.toString("latin1", 4, 8);
    if (!/^[\x20-\x7e]{4}$/.test(type)) return { kind: "unknown", why: "not an mp4 box structure" };
    if (at === 0 && type !== "ftyp") return { kind: "unknown", why: "no ftyp box first" };
    let length = header.readUInt32BE(0);
    let headerLength = 8;
    if (length === 1) {
      if (bytesRead < 16) return { kind: "incomplete", why: `it ends inside the header of its ${type} box` };
      length = Number(header.readBigUInt64BE(8));
      headerLength = 16;
    } else if (length === 0) length = size - at;
    if (length < headerLength) return { kind: "unknown", why: `a ${type} box of impossible size` };
    if (at + length > size)
      return {
        kind: "incomplete",
        why: `it ends ${at + length - size} bytes short of the end of its ${type} box`,
      };
    boxes.push({ type, start: at + headerLength, end: at + length });
    at += length;
  }
  return { kind: "boxes", boxes };
}

interface Track {
  handler: string;
  timescale: number;
  entry: Box;
  stbl: Box;
}

function readMoov(buf: Buffer, mdats: Box[], fileSize: number): Mp4Reading {
  const root: Box = { type: "moov", start: 0, end: buf.length };
  const mvhd = find(buf, root, ["mvhd"]);
  const boxes = children(buf, 0, buf.length);
  if (!mvhd || !boxes) return { kind: "unknown", why: "no readable mvhd box" };
  const { version, at } = fullBox(buf, mvhd);
  const field = version === 1 ? 8 : 4;
  const movieTimescale = uint(buf, at + 2 * field, 4);
  const movieDuration = uint(buf, at + 2 * field + 4, field);
  if (movieTimescale === 0) return { kind: "unknown", why: "a zero timescale" };
  const tracks = boxes.filter((b) => b.type === "trak").map((t) => readTrack(buf, t));
  if (tracks.some((t) => t === undefined)) return { kind: "unknown", why: "a track without sample tables" };
  const outside = samplesOutside(buf, tracks as Track[], mdats, fileSize);
  if (outside) return { kind: "incomplete", why: outside };
  const info: MediaInfo = { duration: Math.round((movieDuration * 1e6) / movieTimescale) / 1e6 };
  const video = (tracks as Track[]).find((t) => t.handler === "vide");
  const audio = (tracks as Track[]).find((t) => t.handler === "soun");
  if (video) {
    const facts = videoFacts(buf, video);
    if (typeof facts === "string") return { kind: "unknown", why: facts };
    info.video = facts;
  }
  if (audio) {
    const facts = audioFacts(buf, audio);
    if (typeof facts === "string") return { kind: "unknown", why: facts };
    info.audio = facts;
  }
  return { kind: "read", info };
}

function readTrack(buf: Buffer, trak: Box): Track | undefined {
  const mdhd = find(buf, trak, ["mdia", "mdhd"]);
  const hdlr = find(buf, trak, ["mdia", "hdlr"]);
  const stbl = find(buf, trak, ["mdia", "minf", "stbl"]);
  const stsd = find(buf, stbl, ["stsd"]);
  if (!mdhd || !hdlr || !stbl || !stsd) return undefined;
  const { version, at } = fullBox(buf, mdhd);
  const entry = children(buf, stsd.start + 8, stsd.end)?.[0];
  if (!entry) return undefined;
  return {
    handler: buf.toString("latin1", hdlr.start + 8, hdlr.start + 12),
    timescale: uint(buf, at + (version === 1 ? 16 : 8), 4),
    entry,
    stbl,
  };
}

// Every chunk must start inside an mdat box: an index that points past the data means the data is missing.
function samplesOutside(buf: Buffer, tracks: Track[], mdats: Box[], fileSize: number): string | undefined {
  for (const t of tracks) {
    const stco = find(buf, t.stbl, ["stco"]) ?? find(buf, t.stbl, ["co64"]);
    if (!stco) continue;
    const width = stco.type === "co64" ? 8 : 4;
    const count = buf.readUInt32BE(stco.start + 4);
    if (stco.start + 8 + count * width > stco.end) return "its chunk table is cut short";
    for (let i = 0; i < count; i++) {
      const offset = uint(buf, stco.start + 8 + i * width, width);
      if (offset >= fileSize || !mdats.some((m) => offset >= m.start && offset < m.end))
        return "its index points at media data that is not in the file";
    }
  }
  return undefined;
}

function videoFacts(buf: Buffer, t: Track): NonNullable<MediaInfo["video"]> | string {
  if (t.entry.type !== "avc1" && t.entry.type !== "avc3") return `a ${t.entry.type} video track`;
  const extras = { type: "entry", start: t.entry.start + 78, end: t.entry.end };
  const avcC = find(buf, extras, ["avcC"]);
  if (!avcC || buf.readUInt8(avcC.start + 5) % 32 === 0) return "an H.264 track without its SPS";
  const spsLength = buf.readUInt16BE(avcC.start + 6);
  if (avcC.start + 8 + spsLength > avcC.end) return "an H.264 SPS cut short";
  let sps: ReturnType<typeof parseSps>;
  try {
    sps = parseSps(buf.subarray(avcC.start + 8, avcC.start + 8 + spsLength));
  } catch {
    return "an H.264 SPS it cannot read";
  }
  const pixFmt = pixelFormat(sps.chromaFormat, sps.bitDepth, sps.fullRange ?? colrFullRange(buf, extras));
  if (!pixFmt) return `an H.264 stream of ${sps.bitDepth}-bit chroma format ${sps.chromaFormat}`;
  const pasp = find(buf, extras, ["pasp"]);
  const sar = pasp ? [buf.readUInt32BE(pasp.start), buf.readUInt32BE(pasp.start + 4)] : sps.sar;
  return {
    codec: "h264",
    width: sps.width,
    height: sps.height,
    fps: frameRate(buf, t),
    pixFmt,
    sar: sar && sar[0]! > 0 && sar[1]! > 0 ? reduced(sar[0]!, sar[1]!) : "1:1",
  };
}

// ffprobe's avg_frame_rate for mp4: samples × timescale / the sum of the sample durations.
function frameRate(buf: Buffer, t: Track): number {
  const stts = find(buf, t.stbl, ["stts"]);
  if (!stts) return 0;
  const entries = buf.readUInt32BE(stts.start + 4);
  let samples = 0;
  let ticks = 0;
  for (let i = 0; i < entries && stts.start + 16 + i * 8 <= stts.end; i++) {
    const count = buf.readUInt32BE(stts.start + 8 + i * 8);
    samples += count;
    ticks += count * buf.readUInt32BE(stts.start + 12 + i * 8);
  }
  return ticks > 0 ? (samples * t.timescale) / ticks : 0;
}

function audioFacts(buf: Buffer, t: Track): NonNullable<MediaInfo["audio"]> | string {
  if (t.entry.type !== "mp4a") return `a ${t.entry.type} audio track`;
  if (buf.readUInt16BE(t.entry.start + 8) !== 0) return "a QuickTime-style audio entry";
  const esds = find(buf, { type: "entry", start: t.entry.start + 28, end: t.entry.end }, ["esds"]);
  const config = esds && audioSpecificConfig(buf, esds);
  if (!config) return "an mp4a track without an AAC configuration";
  return config;
}

const AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

// ES_Descriptor → DecoderConfigDescriptor → AudioSpecificConfig (ISO 14496-1 and -3); plain AAC-LC only.
function audioSpecificConfig(buf: Buffer, esds: Box): NonNullable<MediaInfo["audio"]> | undefined {
  let at = esds.start + 4;
  const descriptor = (tag: number): number | undefined => {
    if (buf[at] !== tag) return undefined;
    at++;
    let length = 0;
    for (let i = 0; i < 4; i++) {
      const b = buf[at++]!;
      length = length * 128 + (b & 0x7f);
      if (!(b & 0x80)) break;
    }
    return at + length <= esds.end ? length : undefined;
  };
  if (descriptor(3) === undefined) return undefined;
  const flags = buf[at + 2]!;
  at += 3 + (flags & 0x80 ? 2 : 0);
  if (flags & 0x40) at += 1 + buf[at]!;
  if (flags & 0x20) at += 2;
  if (descriptor(4) === undefined || buf[at] !== 0x40) return undefined;
  at += 13;
  if (descriptor(5) === undefined || at + 2 > esds.end) return undefined;
  const bits = buf.readUInt16BE(at);
  const objectType = bits >> 11;
  const rateIndex = (bits >> 7) & 15;
  const channels = (bits >> 3) & 15;
  // SBR and PS change the rate and layout ffprobe reports; leave those to ffprobe.
  if (objectType !== 2 || rateIndex >= AAC_RATES.length || channels < 1 || channels > 6) return undefined;
  return { codec: "aac", sampleRate: AAC_RATES[rateIndex]!, channels };
}

function pixelFormat(chroma: number, depth: number, fullRange: boolean | undefined): string | undefined {
  const layout = ["gray", "yuv420p", "yuv422p", "yuv444p"][chroma];
  if (!layout) return undefined;
  if (depth === 8) return fullRange && chroma > 0 ? layout.replace("yuv", "yuvj") : layout;
  return depth === 10 && chroma > 0 ? `${layout}10le` : undefined;
}

// The colr box's nclx full-range flag, which ffmpeg honours when the stream itself is silent.
function colrFullRange(buf: Buffer, extras: Box): boolean | undefined {
  const colr = find(buf, extras, ["colr"]);
  if (!colr || buf.toString("latin1", colr.start, colr.start + 4) !== "nclx") return undefined;
  return (buf.readUInt8(colr.start + 10) & 0x80) !== 0;
}

function reduced(num: number, den: number): string {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const g = gcd(num, den);
  return `${num / g}:${den / g}`;
}
