// Clips made alike joined into one mp4 in process, the index first (so it streams, as +faststart gives) and then
// each clip's media bytes copied as they are: what `ffmpeg -f concat -c copy` does, without starting ffmpeg
// (about 50 ms of CPU) or probing every clip by decoding its first frames (about 3 ms a clip). Clips it cannot
// carry over exactly give the reason, and the caller has ffmpeg join them.
import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { type DataPart, type JoinedTrack, type JoinPlan, planJoin } from "./mp4-join-plan.js";
import { readMovies } from "./mp4-movie.js";
import { box, editList, full, mdatHeader, table, U32, u32s, u64s, withDuration } from "./mp4-write.js";

export type JoinResult = { kind: "joined"; seconds: number } | { kind: "unsupported"; why: string };

const COPY_BLOCK = 4 * 1024 * 1024;

export async function joinMp4(
  files: string[],
  out: string,
  onProgress?: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<JoinResult> {
  const movies = readMovies(files);
  if (!Array.isArray(movies)) return { kind: "unsupported", why: `${movies.file}: ${movies.why}` };
  const plan = planJoin(movies);
  if (typeof plan === "string") return { kind: "unsupported", why: plan };
  const header = joinedHeader(plan);
  if (typeof header === "string") return { kind: "unsupported", why: header };
  await writeJoined(plan, header, out, onProgress, signal);
  return { kind: "joined", seconds: plan.duration / plan.timescale };
}

// ftyp, moov and the mdat header, with every chunk offset pointing into the data that follows them.
export function joinedHeader(plan: JoinPlan): Buffer | string {
  const data = dataBytes(plan.parts);
  const mdat = mdatHeader(data);
  const ftyp = plan.first.ftyp;
  // Offsets past 4 GiB need co64; the index's length does not depend on the offsets' values.
  const wide = ftyp.length + data > U32 - 64 * 1024 * 1024;
  const sized = moov(plan, 0, wide);
  if (typeof sized === "string") return sized;
  const index = moov(plan, ftyp.length + sized.length + mdat.length, wide);
  if (typeof index === "string") return index;
  return Buffer.concat([ftyp, index, mdat]);
}

const dataBytes = (parts: DataPart[]) =>
  parts.reduce((t, p) => t + ("bytes" in p ? p.bytes.length : p.end - p.start), 0);

function moov(plan: JoinPlan, dataStart: number, wide: boolean): Buffer | string {
  const mvhd = withDuration(plan.mvhd, "mvhd", plan.duration);
  const traks: Buffer[] = [];
  for (const t of plan.tracks) {
    const trak = trakBox(
      t,
      t.edits.reduce((d, e) => d + e.duration, 0),
      dataStart,
      wide,
    );
    if (typeof trak === "string") return trak;
    traks.push(trak);
  }
  if (typeof mvhd === "string") return mvhd;
  return box("moov", mvhd, ...traks);
}

function trakBox(t: JoinedTrack, duration: number, dataStart: number, wide: boolean): Buffer | string {
  const { boxes } = t.first;
  const tkhd = withDuration(boxes.tkhd, "tkhd", duration);
  const mdhd = withDuration(boxes.mdhd, "mdhd", t.mediaDuration);
  if (typeof tkhd === "string") return tkhd;
  if (typeof mdhd === "string") return mdhd;
  const offsets = t.chunks.map((c) => c + dataStart);
  const stbl = box(
    "stbl",
    boxes.stsd,
    table("stts", 0, t.stts),
    ...(t.ctts ? [table("ctts", t.ctts.some((e) => e[1]! < 0) ? 1 : 0, t.ctts)] : []),
    ...(t.stss
      ? [
          table(
            "stss",
            0,
            t.stss.map((n) => [n]),
          ),
        ]
      : []),
    table("stsc", 0, t.stsc),
    full("stsz", 0, u32s([0, t.sizes.length, ...t.sizes])),
    wide
      ? full("co64", 0, u64s(offsets))
      : table(
          "stco",
          0,
          offsets.map((o) => [o]),
        ),
    ...(boxes.sgpd ? [boxes.sgpd] : []),
    ...(t.sbgp
      ? [
          full(
            "sbgp",
            0,
            Buffer.concat([
              Buffer.from(t.sbgp.type, "latin1"),
              u32s([t.sbgp.entries.length, ...t.sbgp.entries.flat()]),
            ]),
          ),
        ]
      : []),
  );
  return box(
    "trak",
    tkhd,
    box("edts", editList(t.edits)),
    box("mdia", mdhd, boxes.hdlr, box("minf", boxes.header, boxes.dinf, stbl)),
  );
}

// Written synchronously, a block at a time with a turn of the event loop between blocks (for progress and
// Ctrl-C): a hundred pieces through the thread pool took 127 ms for 85 MB, most of it the trips.
export async function writeJoined(
  plan: JoinPlan,
  header: Buffer,
  out: string,
  onProgress?: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  const total = dataBytes(plan.parts);
  const target = openSync(out, "w");
  try {
    writeAll(target, header, header.length, 0);
    let written = 0;
    const block = Buffer.allocUnsafe(COPY_BLOCK);
    for (const part of plan.parts) {
      if ("bytes" in part) {
        writeAll(target, part.bytes, part.bytes.length, header.length + written);
        written += part.bytes.length;
        continue;
      }
      const source = openSync(part.file, "r");
      try {
        for (let at = part.start; at < part.end; ) {
          await new Promise(setImmediate);
          signal?.throwIfAborted();
          const bytesRead = readSync(source, block, 0, Math.min(COPY_BLOCK, part.end - at), at);
          if (bytesRead === 0) throw new Error(`${part.file} ended before its media data did`);
          writeAll(target, block, bytesRead, header.length + written);
          at += bytesRead;
          written += bytesRead;
        }
      } finally {
        closeSync(source);
      }
      onProgress?.(written / total);
    }
  } finally {
    closeSync(target);
  }
}

// A write can take fewer bytes than it was given (a disk nearly full) without an error: the rest is written
// after them, or the disk's refusal is the error.
function writeAll(target: number, bytes: Buffer, length: number, position: number): void {
  for (let done = 0; done < length; ) {
    const bytesWritten = writeSync(target, bytes, done, length - done, position + done);
    if (bytesWritten === 0)
      throw Object.assign(new Error("no space left on device, write"), { code: "ENOSPC" });
    done += bytesWritten;
  }
}
