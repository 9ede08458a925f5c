// The clips' audio of a long film, made in chunks of consecutive clips so no ffmpeg opens more than CHUNK + 1
// of them. Each chunk runs the same chain of crossfades a single pass would (with the clip before it as
// context, since a crossfade into its first clip needs that clip's tail) and keeps only its own samples, so
// the chunks, joined end to end, are the single pass's samples exactly.
import { audioGraph, type Graph, SAMPLE_RATE } from "./graph.js";
import { frameTiming, type Profile, type StitchClip } from "./profile.js";

export const CHUNK = 16;
const CUT = { type: "cut" as const, duration: 0 };

export interface AudioChunk {
  // The clips this chunk reads, inputs 0..n-1 (the first may be the previous chunk's last, as context).
  clips: StitchClip[];
  graph: Graph;
  // Samples this chunk contributes to the film.
  samples: number;
}

// `endCut` samples are left off the last clip (a window of the film ends inside it).
export function audioChunks(clips: StitchClip[], profile: Profile, size = CHUNK, endCut = 0): AudioChunk[] {
  const timing = frameTiming(clips, profile.fps);
  // The same rounding as audioGraph, clip by clip, so a chunk's cut falls on the single pass's sample.
  const samples = (frames: number) => Math.round((frames / profile.fps) * SAMPLE_RATE);
  const chunks: AudioChunk[] = [];
  // A clip that lies wholly inside its two transitions can be a sample short of them once rounded: a chunk
  // never ends on one, so its cut and the next chunk's context are plain samples of a clip of its own.
  const roomy = (i: number) =>
    samples(timing.lengths[i]!) - samples(timing.overlaps[i + 1] ?? 0) >= samples(timing.overlaps[i]!);
  let last = 0;
  for (let first = 0; first < clips.length; first = last) {
    last = Math.min(clips.length, first + Math.max(1, size));
    while (last < clips.length && !roomy(last - 1)) last++;
    // The clip before as context only when a crossfade or fade leads into this chunk.
    const from = first > 0 && timing.overlaps[first]! > 0 ? first - 1 : first;
    const own = clips.slice(from, last).map((c, i) => (i === 0 ? { ...c, transition: CUT } : c));
    let length = 0;
    for (let i = from; i < last; i++)
      length += samples(timing.lengths[i]!) - (i > from ? samples(timing.overlaps[i]!) : 0);
    // It starts where its first clip starts (inside the context clip's tail) and stops where the next
    // chunk's first clip starts: its last clip is cut short there.
    const start = from < first ? samples(timing.lengths[from]!) - samples(timing.overlaps[first]!) : 0;
    const cut = last < clips.length ? samples(timing.overlaps[last]!) : endCut;
    const whole = audioGraph(own, profile, 0, cut);
    chunks.push({
      clips: own,
      graph: {
        filter:
          start > 0
            ? `${whole.filter};\n${whole.output}atrim=start_sample=${start},asetpts=PTS-STARTPTS[aout]`
            : whole.filter,
        output: start > 0 ? "[aout]" : whole.output,
        frames: whole.frames,
      },
      samples: length - cut - start,
    });
  }
  return chunks;
}
