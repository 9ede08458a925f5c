// The film's encoded pieces (video only, cut at frames) and its AAC soundtrack (ADTS, its first frame the
// encoder's priming) muxed in process, as `ffmpeg -f concat -i pieces -itsoffset -1024/48000 -f aac -i sound
// -c copy -movflags +faststart` does: the index first, then each piece's bytes with the sound that plays over
// it, so a player streaming the film reads both from one place. Nothing is decoded or encoded.
import { readFile } from "node:fs/promises";
import { mp4aSampleDescription, readAdts } from "./adts.js";
import { joinedHeader, type JoinResult, writeJoined } from "./mp4-join.js";
import { type DataPart, type JoinedTrack, planJoin } from "./mp4-join-plan.js";
import { type Movie, readMovies, type MovieTrack } from "./mp4-movie.js";
import { box, full } from "./mp4-write.js";

const PRIMING = 1024;
const FRAME = 1024;

export async function muxPiecesWithAdts(
  pieces: string[],
  adtsFile: string,
  out: string,
  onProgress?: (fraction: number) => void,
  signal?: AbortSignal,
  // Pieces' movies read while the others were encoded.
  known?: ReadonlyMap<string, Movie>,
): Promise<JoinResult> {
  const movies = readMovies(pieces, known);
  if (!Array.isArray(movies)) return { kind: "unsupported", why: `${movies.file}: ${movies.why}` };
  const mixed = movies.find((m) => m.tracks.length !== 1 || m.tracks[0]!.handler !== "vide");
  if (mixed) return { kind: "unsupported", why: `${mixed.file}: not a piece of picture alone` };
  const adts = readAdts(await readFile(adtsFile));
  if (typeof adts === "string") return { kind: "unsupported", why: `${adtsFile}: ${adts}` };
  // Each AAC frame goes with the piece its first presented sample falls in (the priming with the first piece).
  const ends: number[] = [];
  let seconds = 0;
  for (const m of movies) {
    seconds += m.tracks[0]!.mediaDuration / m.tracks[0]!.timescale;
    ends.push(seconds);
  }
  const byPiece: Buffer[][] = movies.map(() => []);
  let k = 0;
  adts.frames.forEach((frame, i) => {
    const start = (i * FRAME - PRIMING) / adts.rate;
    while (k < movies.length - 1 && start >= ends[k]!) k++;
    byPiece[k]!.push(frame);
  });
  const sound = byPiece.map((frames) => Buffer.concat(frames));
  const plan = planJoin(movies, { contiguous: true, after: sound.map((b) => b.length) });
  if (typeof plan === "string") return { kind: "unsupported", why: plan };
  const parts: DataPart[] = [];
  const chunks: number[] = [];
  const stsc: number[][] = [];
  let offset = 0;
  movies.forEach((m, i) => {
    parts.push({ file: m.file, ...m.data });
    offset += m.data.end - m.data.start;
    if (byPiece[i]!.length === 0) return;
    parts.push({ bytes: sound[i]! });
    chunks.push(offset);
    if (stsc.at(-1)?.[1] !== byPiece[i]!.length) stsc.push([chunks.length, byPiece[i]!.length, 1]);
    offset += sound[i]!.length;
  });
  const media = adts.frames.length * FRAME;
  const audio: JoinedTrack = {
    first: soundTrack(adts, media, (media - PRIMING) / adts.rate),
    edits: [{ duration: Math.round(((media - PRIMING) * plan.timescale) / adts.rate), mediaTime: PRIMING }],
    mediaDuration: media,
    stts: [[adts.frames.length, FRAME]],
    sizes: adts.frames.map((f) => f.length),
    stsc,
    chunks,
  };
  const mvhd = Buffer.from(plan.mvhd);
  mvhd.writeUInt32BE(3, mvhd.length - 4); // next_track_ID: the picture is 1, the sound 2
  const tracks = [...plan.tracks, audio];
  const duration = Math.max(...tracks.map((t) => t.edits.reduce((d, e) => d + e.duration, 0)));
  const muxed = { ...plan, mvhd, tracks, parts, duration };
  const header = joinedHeader(muxed);
  if (typeof header === "string") return { kind: "unsupported", why: header };
  await writeJoined(muxed, header, out, onProgress, signal);
  return { kind: "joined", seconds: duration / plan.timescale };
}

// Track 2's boxes, as ffmpeg writes them for AAC: enabled, in the movie, full volume, undetermined language.
function soundTrack(
  adts: Exclude<ReturnType<typeof readAdts>, string>,
  media: number,
  seconds: number,
): MovieTrack {
  const tkhd = Buffer.alloc(80);
  tkhd.writeUInt32BE(2, 8); // track_ID
  tkhd.writeUInt16BE(1, 30); // alternate_group
  tkhd.writeUInt16BE(0x0100, 32); // volume
  for (const [at, v] of [
    [36, 0x10000],
    [52, 0x10000],
    [68, 0x40000000],
  ] as const)
    tkhd.writeUInt32BE(v, at);
  const mdhd = Buffer.alloc(20);
  mdhd.writeUInt32BE(adts.rate, 8);
  mdhd.writeUInt32BE(media, 12);
  mdhd.writeUInt16BE(0x55c4, 16); // "und"
  const hdlr = Buffer.concat([
    Buffer.alloc(4),
    Buffer.from("soun", "latin1"),
    Buffer.alloc(12),
    Buffer.from("SoundHandler\0", "latin1"),
  ]);
  const dref = Buffer.alloc(4);
  dref.writeUInt32BE(1, 0);
  const selfContained = box("url ", Buffer.from([0, 0, 0, 1]));
  return {
    handler: "soun",
    timescale: adts.rate,
    boxes: {
      tkhd: versioned("tkhd", 3, tkhd),
      mdhd: full("mdhd", 0, mdhd),
      hdlr: full("hdlr", 0, hdlr),
      header: full("smhd", 0, Buffer.alloc(4)),
      dinf: box("dinf", full("dref", 0, Buffer.concat([dref, selfContained]))),
      stsd: mp4aSampleDescription(adts, 2, seconds),
    },
    mediaTime: PRIMING,
    shown: -1,
    mediaDuration: media,
    stts: [],
    sizes: [],
    stsc: [],
    chunks: [],
  };
}

// A version 0 full box with flags.
function versioned(type: string, flags: number, body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(flags, 0);
  return box(type, head, body);
}
