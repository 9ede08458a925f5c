// The film's pieces that are not cached yet, encoded side by side: a stretch and the window after it by one
// ffmpeg (so the outgoing clip is decoded once), every other piece alone. Each ffmpeg has at most two clips
// as inputs, and each piece comes out the same bytes whichever way it was made.
import { mkdir, rename } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import { tempSibling } from "../cache/atomic.js";
import type { Capabilities } from "../media/capabilities.js";
import type { MediaTools } from "../media/binaries.js";
import { runTool } from "../media/run.js";
import { existsNow, removeIfExists } from "../util/fs.js";
import { piecesArgs } from "./args.js";
import { checkMp4 } from "./check-output.js";
import { pieceClips, piecesGraph } from "./graph.js";
import type { Profile, StitchClip } from "./profile.js";
import { progressParser } from "./progress.js";
import { encodeJobs, pieceFrames, pieceKey, splitIntoPieces } from "./segments.js";
import { defaultParallel, sideBySide } from "./side-by-side.js";

export interface PieceOptions {
  clips: StitchClip[];
  // Where normalised segments are kept between renders (<cache>/segments).
  segmentDir: string;
  tools: MediaTools;
  // Asked only when a film must be made, so an up-to-date render starts no ffmpeg at all.
  capabilities: () => Promise<Capabilities>;
  onProgress?: (percent: number) => void;
  signal?: AbortSignal;
  // Pieces encoded at once (default: the cores, as many as a quarter of the memory holds).
  parallel?: number;
}

export interface PieceCounts {
  made: number;
  reused: number;
  clips_encoded: number;
}

// Every piece's file, in film order; the pieces made land in `segmentDir` (90 % of the stitch's progress).
export async function ensureSegments(
  o: PieceOptions,
  profile: Profile,
  report: (s: PieceCounts) => void,
  // The pieces already made, told before any is encoded.
  onCached?: (files: string[]) => void,
): Promise<Array<{ file: string; frames: number }>> {
  const caps = await o.capabilities();
  await mkdir(o.segmentDir, { recursive: true });
  const pieces = splitIntoPieces(o.clips, profile.fps);
  const fileOf = new Map(
    pieces.map((piece) => [piece, path.join(o.segmentDir, `${pieceKey(piece, profile, caps)}.mp4`)]),
  );
  const missing: typeof pieces = [];
  const cached: string[] = [];
  const files = new Set<string>();
  for (const p of pieces) {
    const file = fileOf.get(p)!;
    // Synchronously: a film's hundred pieces checked through libuv one after another would hold back its first
    // ffmpeg by a round trip each.
    if (!files.has(file)) {
      if (existsNow(file)) cached.push(file);
      else missing.push(p);
    }
    files.add(file);
  }
  onCached?.(cached);
  // Longest first: after an edit, the edited shot's stretch is what the re-stitch waits for, so it starts
  // before the windows beside it.
  const frameCount = (job: typeof missing) => job.reduce((t, p) => t + pieceFrames(p), 0);
  const jobs = encodeJobs(missing).sort((a, b) => frameCount(b) - frameCount(a));
  const total = missing.reduce((t, p) => t + pieceFrames(p), 0);
  const done = new Map<number, number>();
  const share = () => (0.9 * [...done.values()].reduce((a, b) => a + b, 0)) / Math.max(1, total);
  const parallel = o.parallel ?? defaultParallel();
  // The cores shared out between the ffmpegs that run at once, at most two each, for their decoders and
  // filters (x264 always has two: its thread count reaches the bytes).
  const threads = Math.min(
    2,
    Math.max(1, Math.floor(availableParallelism() / Math.min(parallel, Math.max(1, jobs.length)))),
  );
  await sideBySide(
    jobs.map((job, j) => async (signal) => {
      const graph = piecesGraph(job, profile, caps);
      const frames = frameCount(job);
      const outs = job.map((p, k) => ({ ...graph.outputs[k]!, file: fileOf.get(p)! }));
      const temps = outs.map((out) => ({ ...out, tmp: tempSibling(out.file) }));
      // Progress goes by the longest output, which ffmpeg's out_time follows.
      const progress = progressParser(0, 0, 0);
      const onLine = (line: string) => {
        progress.onLine(line);
        done.set(j, Math.min(frames, progress.seconds() * profile.fps));
        o.onProgress?.(100 * share());
      };
      try {
        const args = piecesArgs(
          graph.clips,
          graph.filter,
          temps.map((t) => ({ label: t.label, file: t.tmp })),
          profile,
          threads,
        );
        await runTool(o.tools.ffmpeg, args, { onStdoutLine: onLine, signal });
        for (const t of temps) {
          await checkMp4(t.tmp, t.file, t.frames / profile.fps, 0.5 / profile.fps, o.tools.ffprobe);
          await rename(t.tmp, t.file);
        }
      } finally {
        for (const t of temps) await removeIfExists(t.tmp);
      }
      done.set(j, frames);
    }),
    parallel,
    o.signal,
  );
  report({
    made: missing.length,
    reused: pieces.length - missing.length,
    clips_encoded: missing.reduce((t, p) => t + pieceClips(p).length, 0),
  });
  return pieces.map((p) => ({ file: fileOf.get(p)!, frames: pieceFrames(p) }));
}
