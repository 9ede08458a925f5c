// The normalising filtergraphs. Video: each clip scaled, padded and re-timed, cut into head/body/tail, with
// transitions blended where clips overlap. Audio: 48 kHz stereo per clip (silence when it has none),
// crossfaded with the video's transitions. All lengths are whole frames, so the two never drift apart.
import type { Capabilities } from "../media/capabilities.js";
import { frameTiming, type Piece, type Profile, type StitchClip } from "./profile.js";

export const SAMPLE_RATE = 48000;

export interface Graph {
  filter: string;
  output: string;
  frames: number;
}

// Video for clips joined by transitions, as one pass would make it; the first clip's own transition is ignored. Inputs 0..n-1.
export function videoGraph(clips: StitchClip[], profile: Profile, caps: Pick<Capabilities, "xfade">): Graph {
  const { fps } = profile;
  const timing = frameTiming(clips, fps);
  const parts: string[] = [];
  const sequence: string[] = [];
  clips.forEach((clip, i) => {
    const len = timing.lengths[i]!;
    const inF = timing.overlaps[i]!;
    const outF = timing.overlaps[i + 1] ?? 0;
    const trim = clip.trim ? `trim=start=${clip.trim.start}:end=${clip.trim.end},` : "";
    parts.push(
      `[${i}:v]${trim}setpts=PTS-STARTPTS,${fit(profile)},fps=${fps},format=yuv420p,${pad}trim=end_frame=${len},setpts=PTS-STARTPTS[v${i}]`,
    );
    // Split into the frames shared with the previous clip (head), its own (body) and those shared with the next (tail).
    const pieces = [inF > 0 && `h${i}`, `b${i}`, outF > 0 && `t${i}`].filter(Boolean) as string[];
    parts.push(`[v${i}]split=${pieces.length}${pieces.map((p) => `[${p}in]`).join("")}`);
    if (inF > 0) parts.push(`[h${i}in]trim=end_frame=${inF},setpts=PTS-STARTPTS[h${i}]`);
    parts.push(`[b${i}in]trim=start_frame=${inF}:end_frame=${len - outF},setpts=PTS-STARTPTS[b${i}]`);
    if (outF > 0) parts.push(`[t${i}in]trim=start_frame=${len - outF},setpts=PTS-STARTPTS[t${i}]`);
    if (inF > 0) {
      parts.push(blend(`t${i - 1}`, `h${i}`, `x${i}`, clip.transition.type === "fade", inF, fps, caps.xfade));
      sequence.push(`[x${i}]`);
    }
    sequence.push(`[b${i}]`);
  });
  parts.push(`${sequence.join("")}concat=n=${sequence.length}:v=1:a=0[vout]`);
  return { filter: parts.join(";\n"), output: "[vout]", frames: timing.totalFrames };
}

// One piece of the film, with the frames the single pass would give it. At most two inputs, 0 and 1.
export function pieceGraph(piece: Piece, profile: Profile, caps: Pick<Capabilities, "xfade">): Graph {
  const { filter, outputs } = piecesGraph([piece], profile, caps);
  return { filter, output: outputs[0]!.label, frames: outputs[0]!.frames };
}

export interface PiecesGraph {
  filter: string;
  // Each piece's output, in the order given.
  outputs: Array<{ label: string; frames: number }>;
  // The inputs, in order: every clip the pieces use, once.
  clips: StitchClip[];
}

// Pieces encoded by one ffmpeg (a stretch and the window after it share the outgoing clip's decode). Each
// clip is re-timed first (fps, tpad) and cut to the frames its pieces use before anything is scaled: the
// single pass does the same per-frame work in another order, so each frame is the single pass's, but no
// frame is scaled only to be dropped. A window blends as the single pass does, both sides starting at 0.
export function piecesGraph(
  pieces: Piece[],
  profile: Profile,
  caps: Pick<Capabilities, "xfade">,
): PiecesGraph {
  const clips: StitchClip[] = [];
  const uses: Use[][] = [];
  // Frames [from, to) of `clip` go to the filter pad `label`.
  const use = (clip: StitchClip, from: number, to: number, label: string) => {
    if (!clips.includes(clip)) {
      clips.push(clip);
      uses.push([]);
    }
    uses[clips.indexOf(clip)]!.push({ from, to, label });
  };
  const parts: string[] = [];
  const outputs = pieces.map((piece, j) => {
    const label = `[p${j}]`;
    if (piece.kind === "stretch") {
      use(piece.clip, piece.from, piece.to, label);
      return { label, frames: piece.to - piece.from };
    }
    const n = piece.frames;
    use(piece.a, piece.aLength - n, piece.aLength, `[t${j}]`);
    use(piece.b, 0, n, `[h${j}]`);
    const fade = piece.b.transition.type === "fade";
    // xfade works in 4:4:4 on ffmpeg 5: back to 4:2:0 here, as before the single pass's concat.
    parts.push(
      blend(`t${j}`, `h${j}`, `x${j}`, fade, n, profile.fps, caps.xfade),
      `[x${j}]format=yuv420p,trim=end_frame=${n}${label}`,
    );
    return { label, frames: n };
  });
  const chains = clips.flatMap((clip, i) => clipChain(clip, i, uses[i]!, profile));
  return { filter: [...chains, ...parts].join(";\n"), outputs, clips };
}

interface Use {
  from: number;
  to: number;
  label: string;
}

// Input `i` re-timed, cut to the frames [from, to) its uses span, normalised, and split between its uses.
function clipChain(clip: StitchClip, i: number, uses: Use[], profile: Profile): string[] {
  const from = Math.min(...uses.map((u) => u.from));
  const to = Math.max(...uses.map((u) => u.to));
  const trim = clip.trim ? `trim=start=${clip.trim.start}:end=${clip.trim.end},` : "";
  const head = `[${i}:v]${trim}setpts=PTS-STARTPTS,fps=${profile.fps},${pad}trim=start_frame=${from}:end_frame=${to},setpts=PTS-STARTPTS,${fit(profile)},format=yuv420p`;
  if (uses.length === 1) return [`${head}${uses[0]!.label}`];
  return [
    `${head},split=${uses.length}${uses.map((_, k) => `[c${i}u${k}]`).join("")}`,
    ...uses.map(
      (u, k) =>
        `[c${i}u${k}]trim=start_frame=${u.from - from}:end_frame=${u.to - from},setpts=PTS-STARTPTS${u.label}`,
    ),
  ];
}

// Each frame scaled into the film's size, letterboxed, with square pixels.
const fit = ({ width: W, height: H }: Profile) =>
  `scale=${W}:${H}:force_original_aspect_ratio=decrease,pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1`;
// A clip a little shorter than its planned length repeats its last frame.
const pad = "tpad=stop_mode=clone:stop_duration=1,";

export function pieceClips(piece: Piece): StitchClip[] {
  return piece.kind === "stretch" ? [piece.clip] : [piece.a, piece.b];
}

// Audio for the whole film, the clips being inputs `offset`..`offset+n-1`. `endCut` samples are left off the
// last clip (a chunk ends where the next chunk's crossfade starts): cut at its source, since ffmpeg 4.1's
// acrossfade crashes when a trim after it ends the stream early.
export function audioGraph(clips: StitchClip[], profile: Profile, offset: number, endCut = 0): Graph {
  const timing = frameTiming(clips, profile.fps);
  const samples = (frames: number) => Math.round((frames / profile.fps) * SAMPLE_RATE);
  const parts = clips.map((clip, i) => {
    const length = samples(timing.lengths[i]!) - (i === clips.length - 1 ? endCut : 0);
    const atrim = clip.trim ? `atrim=start=${clip.trim.start}:end=${clip.trim.end},` : "";
    const source = clip.media.audio
      ? `[${i + offset}:a]${atrim}asetpts=PTS-STARTPTS,`
      : `anullsrc=channel_layout=stereo:sample_rate=${SAMPLE_RATE},`;
    return `${source}aresample=${SAMPLE_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo,apad,atrim=end_sample=${length},asetpts=PTS-STARTPTS[a${i}]`;
  });
  let audio = "[a0]";
  for (let i = 1; i < clips.length; i++) {
    const inF = timing.overlaps[i]!;
    const next = `[am${i}]`;
    parts.push(
      inF > 0
        ? `${audio}[a${i}]acrossfade=ns=${samples(inF)}:c1=tri:c2=tri${next}`
        : `${audio}[a${i}]concat=n=2:v=0:a=1${next}`,
    );
    audio = next;
  }
  return { filter: parts.join(";\n"), output: audio, frames: timing.totalFrames };
}

// A crossfade or a fade through black over two pieces of `frames` frames each. The crossfade is xfade where
// ffmpeg has it, else blend (ffmpeg 4.1). The fade through black is the same blend on every version, in whole
// frames and symmetric: the first clip dims to legal black (luma 16, chroma 128) at the middle, the second
// rises from it (xfade's fadeblack is asymmetric and goes below legal black).
function blend(
  from: string,
  to: string,
  out: string,
  throughBlack: boolean,
  frames: number,
  fps: number,
  xfade: boolean,
): string {
  const seconds = frames / fps;
  if (!throughBlack) {
    if (xfade) return `[${from}][${to}]xfade=transition=fade:duration=${seconds}:offset=0[${out}]`;
    return `[${from}][${to}]blend=all_expr='A*(1-T/${seconds})+B*(T/${seconds})'[${out}]`;
  }
  // Brightness of frame n: 1 at the ends, 0 on the middle frame (the middle two when the count is even).
  // n comes from the time (both pieces start at 0), since blend's own frame counter differs between versions.
  const n = `round(T*${fps})`;
  const level = `max(0,abs(2*${n}-${frames - 1})-1)/${frames}`;
  const pick = `if(lt(${n},${Math.ceil(frames / 2)}),A,B)`;
  const toward = (black: number) => `'${black}+(${pick}-${black})*${level}'`;
  return `[${from}][${to}]blend=c0_expr=${toward(16)}:c1_expr=${toward(128)}:c2_expr=${toward(128)}[${out}]`;
}
