// The clips' audio for the film's audio pass: its inputs (from `first` on, default 1) and a graph over them. Up to a chunk's worth of
// clips: the clips themselves. More: chunks made side by side and joined by the concat demuxer as one input,
// so the mux does not open hundreds of files.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { tempSibling } from "../cache/atomic.js";
import { runTool } from "../media/run.js";
import { removeIfExists } from "../util/fs.js";
import { audioChunkArgs, clipInputs, concatInput, fileList } from "./args.js";
import { audioChunks } from "./audio-chunks.js";
import { audioGraph, type Graph } from "./graph.js";
import { frameTiming, type Profile, type StitchClip } from "./profile.js";
import { sideBySide } from "./side-by-side.js";

export interface DialogueAudio {
  inputs: string[];
  inputCount: number;
  graph: Graph;
  // Made for this mux: removed after it.
  temporary: string[];
}

export async function dialogueAudio(o: {
  clips: StitchClip[];
  profile: Profile;
  tmpDir: string;
  ffmpeg: string;
  parallel: number;
  chunk?: number;
  first?: number;
  // Samples left off the last clip (a window of the film that ends inside it).
  endCut?: number;
  signal?: AbortSignal;
}): Promise<DialogueAudio> {
  const first = o.first ?? 1;
  const chunks = audioChunks(o.clips, o.profile, o.chunk, o.endCut);
  if (chunks.length === 1)
    return {
      inputs: clipInputs(o.clips),
      inputCount: o.clips.length,
      graph: audioGraph(o.clips, o.profile, first, o.endCut),
      temporary: [],
    };
  const files = chunks.map((_, i) => tempSibling(path.join(o.tmpDir, `audio-${i}.wav`)));
  const list = tempSibling(path.join(o.tmpDir, "audio.txt"));
  const temporary = [...files, list];
  try {
    await sideBySide(
      chunks.map(
        (chunk, i) => (signal) =>
          runTool(o.ffmpeg, audioChunkArgs(chunk.clips, chunk.graph, files[i]!), { signal }).then(() => {}),
      ),
      o.parallel,
      o.signal,
    );
    await writeFile(list, fileList(files));
  } catch (e) {
    for (const file of temporary) await removeIfExists(file);
    throw e;
  }
  const samples = chunks.reduce((t, c) => t + c.samples, 0);
  return {
    inputs: concatInput(list),
    inputCount: 1,
    // Timestamps from the sample count: the chunks join end to end, whatever the demuxer makes of them.
    graph: {
      filter: `[${first}:a]asetpts=N/SR/TB,atrim=end_sample=${samples}[dialogue]`,
      output: "[dialogue]",
      frames: frameTiming(o.clips, o.profile.fps).totalFrames,
    },
    temporary,
  };
}
