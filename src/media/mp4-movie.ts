// One mp4's index read for joining (mp4-join.ts): each track's boxes and sample tables, as numbers. A file with
// anything the join does not know how to carry over gives the reason instead, and ffmpeg joins the film.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { type Box, children, find, fullBox, uint } from "./mp4-boxes.js";
import { topLevelBoxes } from "./mp4.js";

export interface Movie {
  file: string;
  ftyp: Buffer;
  mvhd: Buffer;
  timescale: number;
  duration: number;
  tracks: MovieTrack[];
  // The bytes every sample lies in: copied whole, so the chunks keep their layout.
  data: { start: number; end: number };
}

// A track's samples: their durations, composition offsets, sync samples, sizes and chunks, as numbers.
export interface SampleTables {
  mediaDuration: number;
  stts: number[][];
  ctts?: number[][];
  stss?: number[];
  sizes: number[];
  stsc: number[][];
  chunks: number[];
  sbgp?: { type: string; entries: number[][] };
}

export interface MovieTrack extends SampleTables {
  handler: string;
  timescale: number;
  // Whole boxes carried over from the first clip (durations rewritten): tkhd, mdhd, hdlr, the media header
  // (vmhd, smhd) and dinf, stsd; sgpd when the track has sample groups.
  boxes: Record<"tkhd" | "mdhd" | "hdlr" | "header" | "dinf" | "stsd", Buffer> & { sgpd?: Buffer };
  // Where the presentation starts in the media (elst's media_time), and for how long it runs (movie timescale).
  mediaTime: number;
  shown: number;
}

const STBL = new Set(["stsd", "stts", "ctts", "stss", "stsc", "stsz", "stco", "co64", "sgpd", "sbgp"]);

// Several files' movies; those in `known` (read before, of files that have not changed) are not read again.
// The first file that cannot be read is named, with why.
export function readMovies(
  files: string[],
  known: ReadonlyMap<string, Movie> = new Map(),
): Movie[] | { file: string; why: string } {
  const movies: Movie[] = [];
  for (const file of files) {
    const movie = known.get(file) ?? readMovie(file);
    if (typeof movie === "string") return { file, why: movie };
    movies.push(movie);
  }
  return movies;
}

// Read synchronously, as readMp4 is: a handful of small reads of a file, each cheaper than a trip through the
// thread pool (a hundred pieces' movies took 50 ms eight at a time through it, 114 ms of this thread's CPU).
export function readMovie(file: string): Movie | string {
  const fd = openSync(file, "r");
  try {
    const tiled = topLevelBoxes(fd, fstatSync(fd).size);
    if (tiled.kind !== "boxes") return tiled.why;
    const top = tiled.boxes;
    const moov = top.find((b) => b.type === "moov");
    const ftyp = top.find((b) => b.type === "ftyp");
    if (!moov || !ftyp || top.some((b) => b.type === "moof")) return "not a plain mp4";
    const read = (b: Box) => {
      const buf = Buffer.alloc(b.end - b.start + 8);
      readSync(fd, buf, 0, buf.length, b.start - 8);
      return buf;
    };
    let movie: ReturnType<typeof parseMoov>;
    try {
      movie = parseMoov(read(moov), file);
    } catch (err) {
      if (err instanceof RangeError) return "a malformed table";
      throw err;
    }
    if (typeof movie === "string") return movie;
    return { ...movie, ftyp: read(ftyp) };
  } finally {
    closeSync(fd);
  }
}

function parseMoov(buf: Buffer, file: string): Omit<Movie, "ftyp"> | string {
  const boxes = children(buf, 8, buf.length);
  const mvhd = boxes?.find((b) => b.type === "mvhd");
  if (!boxes || !mvhd) return "no movie header";
  if (boxes.some((b) => !["mvhd", "trak", "udta", "meta", "iods", "free"].includes(b.type)))
    return "a movie box the join does not carry over";
  const { version, at } = fullBox(buf, mvhd);
  const field = version === 1 ? 8 : 4;
  const tracks: MovieTrack[] = [];
  for (const trak of boxes.filter((b) => b.type === "trak")) {
    const track = parseTrack(buf, trak);
    if (typeof track === "string") return track;
    tracks.push(track);
  }
  const spans = tracks.flatMap((t) => chunkSpans(t));
  if (spans.length === 0) return "no samples";
  return {
    file,
    mvhd: whole(buf, mvhd),
    timescale: uint(buf, at + 2 * field, 4),
    duration: uint(buf, at + 2 * field + 4, field),
    tracks,
    data: { start: Math.min(...spans.map((s) => s[0]!)), end: Math.max(...spans.map((s) => s[1]!)) },
  };
}

function parseTrack(buf: Buffer, trak: Box): MovieTrack | string {
  const kids = children(buf, trak.start, trak.end) ?? [];
  if (kids.some((b) => !["tkhd", "edts", "mdia", "udta"].includes(b.type)))
    return "a track box it does not carry";
  const tkhd = kids.find((b) => b.type === "tkhd");
  const mdhd = find(buf, trak, ["mdia", "mdhd"]);
  const hdlr = find(buf, trak, ["mdia", "hdlr"]);
  const minf = find(buf, trak, ["mdia", "minf"]);
  const minfKids = minf && children(buf, minf.start, minf.end);
  const stbl = minfKids?.find((b) => b.type === "stbl");
  const header = minfKids?.find((b) => b.type === "vmhd" || b.type === "smhd");
  const dinf = minfKids?.find((b) => b.type === "dinf");
  const tables = stbl && children(buf, stbl.start, stbl.end);
  if (!tkhd || !mdhd || !hdlr || !header || !dinf || !tables || minfKids!.length !== 3)
    return "an unusual track";
  if (tables.some((b) => !STBL.has(b.type)))
    return `a sample table box (${tables.find((b) => !STBL.has(b.type))!.type}) it does not carry`;
  const table = (type: string) => tables.find((b) => b.type === type);
  const stsd = table("stsd");
  const { version, at } = fullBox(buf, mdhd);
  const timescale = uint(buf, at + (version === 1 ? 16 : 8), 4);
  const mediaDuration = entries(buf, table("stts"), 2).reduce((t, [n, d]) => t + n! * d!, 0);
  const edit = editOf(
    buf,
    kids.find((b) => b.type === "edts"),
  );
  if (typeof edit === "string") return edit;
  const sbgp = table("sbgp");
  if (!stsd || !table("stts") || !table("stsc") || !table("stsz")) return "a track without sample tables";
  if (sbgp && (fullBox(buf, sbgp).version !== 0 || !table("sgpd"))) return "sample groups it does not carry";
  return {
    handler: buf.toString("latin1", hdlr.start + 8, hdlr.start + 12),
    timescale,
    boxes: {
      tkhd: whole(buf, tkhd),
      mdhd: whole(buf, mdhd),
      hdlr: whole(buf, hdlr),
      header: whole(buf, header),
      dinf: whole(buf, dinf),
      stsd: whole(buf, stsd),
      ...(table("sgpd") && { sgpd: whole(buf, table("sgpd")!) }),
    },
    mediaTime: edit?.mediaTime ?? 0,
    // Without an edit, the whole media is shown: -1 until the caller converts it to the movie's timescale.
    shown: edit?.duration ?? -1,
    mediaDuration,
    stts: entries(buf, table("stts"), 2),
    ...(table("ctts") && { ctts: signedCtts(buf, table("ctts")!) }),
    ...(table("stss") && { stss: entries(buf, table("stss"), 1).map((e) => e[0]!) }),
    sizes: sampleSizes(buf, table("stsz")!),
    stsc: entries(buf, table("stsc"), 3),
    chunks: chunkOffsets(buf, table("stco") ?? table("co64")),
    ...(sbgp && {
      sbgp: {
        type: buf.toString("latin1", sbgp.start + 4, sbgp.start + 8),
        entries: entries(buf, sbgp, 2, 8),
      },
    }),
  };
}

// At most one edit, at normal speed, showing media from a time (no empty edit, no dwell).
function editOf(
  buf: Buffer,
  edts: Box | undefined,
): { duration: number; mediaTime: number } | undefined | string {
  const elst = edts && find(buf, edts, ["elst"]);
  if (!elst) return undefined;
  const { version, at } = fullBox(buf, elst);
  const count = buf.readUInt32BE(at);
  if (count !== 1) return "an edit list of several edits";
  const w = version === 1 ? 8 : 4;
  const duration = uint(buf, at + 4, w);
  const mediaTime = version === 1 ? Number(buf.readBigInt64BE(at + 4 + w)) : buf.readInt32BE(at + 4 + w);
  if (mediaTime < 0 || buf.readInt16BE(at + 4 + 2 * w) !== 1) return "an empty or slowed edit";
  return { duration, mediaTime };
}

// A full box's entry table: `width` 4-byte fields each, after the count (which `skip` bytes precede).
function entries(buf: Buffer, box: Box | undefined, width: number, skip = 4): number[][] {
  if (!box) return [];
  const count = buf.readUInt32BE(box.start + skip);
  const first = box.start + skip + 4;
  if (first + count * width * 4 > box.end) throw new RangeError("a table runs past its box");
  return Array.from({ length: count }, (_, i) =>
    Array.from({ length: width }, (_, j) => buf.readUInt32BE(first + (i * width + j) * 4)),
  );
}

function signedCtts(buf: Buffer, box: Box): number[][] {
  const signed = fullBox(buf, box).version === 1;
  return entries(buf, box, 2).map(([n, o]) => [n!, signed ? o! | 0 : o!]);
}

function sampleSizes(buf: Buffer, stsz: Box): number[] {
  const constant = buf.readUInt32BE(stsz.start + 4);
  const count = buf.readUInt32BE(stsz.start + 8);
  if (constant !== 0) return new Array<number>(count).fill(constant);
  return entries(buf, stsz, 1, 8).map((e) => e[0]!);
}

function chunkOffsets(buf: Buffer, box: Box | undefined): number[] {
  if (!box) return [];
  const w = box.type === "co64" ? 8 : 4;
  const count = buf.readUInt32BE(box.start + 4);
  if (box.start + 8 + count * w > box.end) throw new RangeError("a table runs past its box");
  return Array.from({ length: count }, (_, i) => uint(buf, box.start + 8 + i * w, w));
}

// Each chunk's [start, end) in the file, from its offset and the sizes of the samples stsc puts in it.
export function chunkSpans(t: Pick<MovieTrack, "stsc" | "chunks" | "sizes">): number[][] {
  const spans: number[][] = [];
  let sample = 0;
  t.chunks.forEach((offset, i) => {
    const run = t.stsc.findLast((e) => e[0]! <= i + 1);
    const n = run?.[1] ?? 0;
    let bytes = 0;
    for (let k = 0; k < n; k++) bytes += t.sizes[sample + k] ?? 0;
    sample += n;
    spans.push([offset, offset + bytes]);
  });
  return spans;
}

function whole(buf: Buffer, box: Box): Buffer {
  if (buf.readUInt32BE(box.start - 8) !== box.end - box.start + 8) throw new RangeError("a large box header");
  return Buffer.from(buf.subarray(box.start - 8, box.end));
}
