// Films are cut into pieces: each transition's window (the overlap of two clips, blended) and each stretch of a
// clip between windows. Each piece is normalised once, with at most two clips as inputs (so memory does not grow
// with the number of shots), and kept in the cache by what went into it: changing one shot re-encodes only its
// stretch and the windows on either side.
import type { Capabilities } from "../media/capabilities.js";
import { RunError } from "../errors.js";
import { canonicalJson, sha256 } from "../util/hash.js";
import { VIDEO_CODEC } from "./args.js";
import { frameTiming, type Piece, type Profile, type StitchClip } from "./profile.js";

// In film order: for each clip, the window into it (if any), then its own stretch (if any frames are its alone).
export function splitIntoPieces(clips: StitchClip[], fps: number): Piece[] {
  const t = frameTiming(clips, fps);
  return clips.flatMap((clip, i) => {
    const into = t.overlaps[i]!;
    const outOf = t.overlaps[i + 1] ?? 0;
    const len = t.lengths[i]!;
    // Planned lengths are validated; a delivered clip shorter than planned can still be shorter than both.
    if (len < into + outOf)
      throw new RunError(
        `shot ${clip.shot}: its clip has ${len} frames, fewer than its transitions in and out (${into} + ${outOf}). Shorten a transition or trim less, or generate the shot again.`,
      );
    const window: Piece[] =
      into > 0
        ? [{ kind: "window", a: clips[i - 1]!, b: clip, aLength: t.lengths[i - 1]!, frames: into }]
        : [];
    const stretch: Piece[] =
      len - outOf > into ? [{ kind: "stretch", clip, from: into, to: len - outOf }] : [];
    return [...window, ...stretch];
  });
}

// Pieces to be made, in film order, grouped into what one ffmpeg encodes: a window goes with the stretch
// just before it when both are missing (that stretch decodes the outgoing clip up to the window's frames
// anyway); every other piece is made alone.
export function encodeJobs(pieces: Piece[]): Piece[][] {
  const jobs: Piece[][] = [];
  for (const piece of pieces) {
    const last = jobs.at(-1);
    const before = last?.length === 1 ? last[0] : undefined;
    const follows =
      piece.kind === "window" &&
      before?.kind === "stretch" &&
      before.clip === piece.a &&
      before.to === piece.aLength - piece.frames;
    if (follows) last!.push(piece);
    else jobs.push([piece]);
  }
  return jobs;
}

export function pieceFrames(piece: Piece): number {
  return piece.kind === "stretch" ? piece.to - piece.from : piece.frames;
}

export function pieceKey(piece: Piece, profile: Profile, caps: Pick<Capabilities, "xfade">): string {
  const shape = (c: StitchClip) => ({
    key: c.key,
    trim: c.trim ?? null,
    frames: Math.round((c.trim ? c.trim.end - c.trim.start : c.media.duration) * profile.fps),
  });
  return sha256(
    canonicalJson({
      segment_format: SEGMENT_FORMAT,
      piece:
        piece.kind === "stretch"
          ? { stretch: shape(piece.clip), from: piece.from, to: piece.to }
          : {
              window: [shape(piece.a), shape(piece.b)],
              frames: piece.frames,
              transition: piece.b.transition.type,
            },
      profile,
      // Only a window blends: a stretch is the same on every ffmpeg.
      ...(piece.kind === "window" && { blend: caps.xfade ? "xfade" : "blend" }),
      codec: VIDEO_CODEC,
    }),
  );
}

// Bump when segment encoding changes, so old segments are not reused.
// 2: fades through black are symmetric and stop at legal black on every ffmpeg version.
// 3: a piece per transition window and per stretch between windows.
export const SEGMENT_FORMAT = 3;
