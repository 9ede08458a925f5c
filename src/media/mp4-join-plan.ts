// How clips made alike join into one mp4 (pure): each track's sample tables one after another, each clip shown
// from where its own edit starts for exactly its own length, so every clip begins where the clips before it end
// (the film's timing is the clips' container lengths, as the captions count it). An AAC clip's priming samples
// stay in the media and are skipped by its edit, so the join is sample-exact with nothing re-encoded.
import type { Movie, MovieTrack, SampleTables } from "./mp4-movie.js";

// Chunk offsets are relative to the start of the joined media data.
export interface JoinedTrack extends SampleTables {
  first: MovieTrack;
  // Edits in the movie's timescale (duration) and the track's (media time).
  edits: Array<{ duration: number; mediaTime: number }>;
}

// The joined media data, in order: byte ranges of the clips, and bytes made here (a soundtrack's chunks).
export type DataPart = { file: string; start: number; end: number } | { bytes: Buffer };

export interface JoinPlan {
  first: Movie;
  mvhd: Buffer;
  timescale: number;
  duration: number;
  tracks: JoinedTrack[];
  parts: DataPart[];
}

export interface JoinOptions {
  // Pieces of one picture, cut at frames: their media joined end to end under one edit, rather than each clip
  // shown for its container's length.
  contiguous?: boolean;
  // Bytes placed after each clip's range in the media data (the mux puts each piece's sound there).
  after?: number[];
}

export function planJoin(movies: Movie[], o: JoinOptions = {}): JoinPlan | string {
  const first = movies[0];
  if (!first) return "no clips";
  for (const m of movies) {
    const why = differs(first, m);
    if (why) return why;
  }
  let offset = 0;
  const bases = movies.map((m, k) => {
    const base = offset;
    offset += m.data.end - m.data.start + (o.after?.[k] ?? 0);
    return base;
  });
  const tracks: JoinedTrack[] = [];
  for (let t = 0; t < first.tracks.length; t++) {
    const parts = movies.map((m, k) => ({ movie: m, track: m.tracks[t]!, base: bases[k]! }));
    const joined = o.contiguous
      ? oneEdit(joinTrack(parts, first.timescale, false), parts, first.timescale)
      : joinTrack(parts, first.timescale);
    if (typeof joined === "string") return joined;
    tracks.push(joined);
  }
  return {
    first,
    mvhd: first.mvhd,
    timescale: first.timescale,
    duration: Math.max(...tracks.map((t) => t.edits.reduce((d, e) => d + e.duration, 0))),
    tracks,
    parts: movies.map((m) => ({ file: m.file, ...m.data })),
  };
}

// Pieces cut at frames (all with the same start in their media, as one encoder gives): their media end to end,
// shown under one edit for exactly its length.
function oneEdit(joined: JoinedTrack | string, parts: Part[], movieScale: number): JoinedTrack | string {
  if (typeof joined === "string") return joined;
  const start = joined.first.mediaTime;
  if (parts.some((p) => p.track.mediaTime !== start)) return "pieces whose media start differently";
  // The edit's start is the first frame's composition time (B-frames' delay): the whole media is shown after it.
  const duration = Math.round((joined.mediaDuration * movieScale) / joined.first.timescale);
  return { ...joined, edits: [{ duration, mediaTime: start }] };
}

// Clips join only when a player could not tell one from another: the same tracks, coded the same way.
function differs(a: Movie, b: Movie): string | undefined {
  if (a.timescale !== b.timescale) return `${b.file}: another movie timescale`;
  if (a.tracks.length !== b.tracks.length) return `${b.file}: other tracks`;
  for (let t = 0; t < a.tracks.length; t++) {
    const [x, y] = [a.tracks[t]!, b.tracks[t]!];
    if (x.handler !== y.handler) return `${b.file}: other tracks`;
    if (x.timescale !== y.timescale) return `${b.file}: its ${x.handler} track has another timescale`;
    // Layer, group, volume, the display matrix (a rotation) and the display size: the first clip's are the film's.
    if (!x.boxes.tkhd.subarray(-52).equals(y.boxes.tkhd.subarray(-52)))
      return `${b.file}: its ${x.handler} track is shown otherwise (size or rotation)`;
    if (!withoutBitrates(x.boxes.stsd).equals(withoutBitrates(y.boxes.stsd)))
      return `${b.file}: its ${x.handler} track is coded otherwise`;
    if (!sameOrNone(x.boxes.sgpd, y.boxes.sgpd) || x.sbgp?.type !== y.sbgp?.type)
      return `${b.file}: other sample groups`;
  }
  return undefined;
}

// A sample entry's bit rates (its btrt box, and the esds descriptor's buffer size and rates for AAC) are each
// clip's own and say nothing of how it is coded: they are left out of the comparison.
function withoutBitrates(stsd: Buffer): Buffer {
  const copy = Buffer.from(stsd);
  for (let at = copy.indexOf("btrt", 0, "latin1"); at >= 4; at = copy.indexOf("btrt", at + 4, "latin1"))
    if (copy.readUInt32BE(at - 4) === 20) copy.fill(0, at + 4, at + 16);
  const esds = copy.indexOf("esds", 0, "latin1");
  if (esds >= 4) {
    let at = esds + 8;
    const descriptor = (tag: number) => {
      if (copy[at] !== tag) return false;
      at++;
      while ((copy[at]! & 0x80) !== 0 && at < copy.length) at++;
      at++;
      return true;
    };
    if (descriptor(3)) {
      const flags = copy[at + 2]!;
      at += 3 + (flags & 0x80 ? 2 : 0);
      if (flags & 0x40) at += 1 + copy[at]!;
      if (flags & 0x20) at += 2;
      if (descriptor(4) && at + 13 <= copy.length) copy.fill(0, at + 2, at + 13);
    }
  }
  return copy;
}

const sameOrNone = (a?: Buffer, b?: Buffer) => (a && b ? a.equals(b) : a === b);

interface Part {
  movie: Movie;
  track: MovieTrack;
  // Where this clip's bytes start in the joined media data.
  base: number;
}

function joinTrack(parts: Part[], movieScale: number, exact = true): JoinedTrack | string {
  const first = parts[0]!.track;
  const out: JoinedTrack = { first, edits: [], mediaDuration: 0, stts: [], sizes: [], stsc: [], chunks: [] };
  const withCtts = parts.some((p) => p.track.ctts);
  const withStss = parts.some((p) => p.track.stss);
  if (withCtts) out.ctts = [];
  if (withStss) out.stss = [];
  if (first.sbgp) out.sbgp = { type: first.sbgp.type, entries: [] };
  for (const { movie, track, base } of parts) {
    // Each clip's edit shows it for the clip's length: the track must hold exactly that, to the tick, or the
    // edit would reach into the next clip's media (a frame shown twice at the cut). Anything else (29.97 fps
    // in a movie of milliseconds, sound shorter than the picture) is ffmpeg's to join.
    const held = track.ctts ? track.mediaDuration : track.mediaDuration - track.mediaTime;
    const edited = track.shown < 0 || track.shown === movie.duration;
    if (exact && (!edited || held * movieScale !== movie.duration * track.timescale))
      return `${movie.file}: its ${track.handler} track is not exactly as long as the clip`;
    addEdit(
      out.edits,
      { duration: movie.duration, mediaTime: out.mediaDuration + track.mediaTime },
      movieScale,
      track.timescale,
    );
    const samples = out.sizes.length;
    appendRuns(out.stts, track.stts);
    if (out.ctts) appendRuns(out.ctts, track.ctts ?? [[track.sizes.length, 0]]);
    if (out.stss) out.stss.push(...(track.stss ?? track.sizes.map((_, i) => i + 1)).map((n) => n + samples));
    // Samples past a clip's group runs are in no group: said so, so the next clip's runs stay on its samples.
    if (out.sbgp) {
      const runs = track.sbgp?.entries ?? [];
      const covered = runs.reduce((t, r) => t + r[0]!, 0);
      appendRuns(
        out.sbgp.entries,
        covered < track.sizes.length ? [...runs, [track.sizes.length - covered, 0]] : runs,
      );
    }
    const chunkBase = out.chunks.length;
    for (const [firstChunk, perChunk, description] of track.stsc) {
      const last = out.stsc.at(-1);
      if (!last || last[1] !== perChunk || last[2] !== description)
        out.stsc.push([firstChunk! + chunkBase, perChunk!, description!]);
    }
    out.sizes.push(...track.sizes);
    out.chunks.push(...track.chunks.map((c) => base + c - movie.data.start));
    out.mediaDuration += track.mediaDuration;
  }
  return out;
}

// One edit per clip, merged with the last when it shows the media that follows on from it.
function addEdit(
  edits: JoinedTrack["edits"],
  edit: JoinedTrack["edits"][number],
  movieScale: number,
  trackScale: number,
): void {
  const last = edits.at(-1);
  if (last && (edit.mediaTime - last.mediaTime) * movieScale === last.duration * trackScale)
    last.duration += edit.duration;
  else edits.push({ ...edit });
}

// Run-length tables ([count, value] pairs) appended, joining equal neighbours.
function appendRuns(into: number[][], runs: number[][]): void {
  for (const [count, value] of runs) {
    const last = into.at(-1);
    if (last && last[1] === value) last[0]! += count!;
    else into.push([count!, value!]);
  }
}
