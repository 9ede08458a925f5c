// The film's soundtrack for a normalised film: the clips' audio and the sound mixed in one pass to raw PCM (the
// single pass's samples), brought to the loudness target there, then encoded in cached chunks
// (encoded-audio.ts) and joined into one AAC stream for the mux, which copies it.
//
// Loudness: the film's one gain is measured over the whole film's PCM (cheap: a decode-speed pass) and applied
// to the PCM before the chunks are keyed, so the chunks are keyed by it. Applying it after the chunks would
// mean decoding and encoding the whole soundtrack again (AAC has no exact gain but its 1.5 dB global_gain
// steps), which is the cost being removed. Instead the gain is rounded to GAIN_STEP: one edit moves a film's
// loudness by far less than that (a shot of 48 twice as loud as the rest: 0.09 LU), so the gain, and with it
// every chunk the edit did not touch, usually stays the same; the film stays within GAIN_STEP / 2 of its target.
import { appendFile, readFile, rename, stat } from "node:fs/promises";
import path from "node:path";
import { tempSibling } from "../cache/atomic.js";
import { runTool, runToolWithStderr } from "../media/run.js";
import { removeIfExists } from "../util/fs.js";
import { audioPcmArgs, parseLoudness, pcmGainArgs, pcmLoudnessArgs } from "./args.js";
import { dialogueAudio } from "./dialogue.js";
import { type EncodedAudio, encodeAudio } from "./encoded-audio.js";
import { defaultParallel } from "./side-by-side.js";
import type { Profile, StitchClip, Timing } from "./profile.js";
import { type FilmSound, mixGraph, soundInputs } from "./sound-graph.js";

export const GAIN_STEP = 0.5;

export interface Soundtrack extends EncodedAudio {
  // The chunks joined: the mux's audio input (temporary: the caller removes it).
  aac: string;
}

// What the stitch knows of the film's sound (StitchOptions has these fields).
export interface SoundtrackOptions {
  clips: StitchClip[];
  render: { loudness?: number };
  sound?: FilmSound;
  tmpDir: string;
  // Where the chunks are kept (<cache>/segments, beside the pieces).
  segmentDir: string;
  tools: { ffmpeg: string };
  parallel?: number;
  // Clips per chunk of the clips' audio (dialogue.ts), AAC frames per encoded chunk (encoded-audio.ts).
  audioChunk?: number;
  audioChunkFrames?: number;
  signal?: AbortSignal;
}

export async function soundtrack(
  o: SoundtrackOptions,
  profile: Profile,
  timing: Timing,
): Promise<Soundtrack> {
  const ffmpeg = o.tools.ffmpeg;
  const parallel = o.parallel ?? defaultParallel();
  const pcm = tempSibling(path.join(o.tmpDir, "audio.f32"));
  const aac = tempSibling(path.join(o.tmpDir, "audio.aac"));
  const signal = o.signal && { signal: o.signal };
  try {
    const dialogue = await dialogueAudio({
      clips: o.clips,
      profile,
      tmpDir: o.tmpDir,
      ffmpeg,
      parallel,
      first: 0,
      ...(o.audioChunk && { chunk: o.audioChunk }),
      ...signal,
    });
    try {
      const graph = o.sound
        ? mixGraph(dialogue.graph, o.sound, timing, profile.fps, dialogue.inputCount)
        : dialogue.graph;
      const inputs = [...dialogue.inputs, ...(o.sound ? soundInputs(o.sound) : [])];
      await runTool(ffmpeg, audioPcmArgs(inputs, graph, pcm), { ...signal });
    } finally {
      for (const file of dialogue.temporary) await removeIfExists(file);
    }
    if (o.render.loudness !== undefined) await pcmToLoudness(ffmpeg, pcm, o.render.loudness);
    // The samples the graph made (stereo f32: 8 bytes each), to the last one.
    const encoded = await encodeAudio({
      pcm,
      totalSamples: (await stat(pcm)).size / 8,
      dir: o.segmentDir,
      ffmpeg,
      parallel,
      ...(o.audioChunkFrames && { chunkFrames: o.audioChunkFrames }),
      ...signal,
    });
    await removeIfExists(aac);
    for (const file of encoded.files) await appendFile(aac, await readFile(file));
    return { ...encoded, aac };
  } catch (e) {
    await removeIfExists(aac);
    throw e;
  } finally {
    await removeIfExists(pcm);
  }
}

// The gain to the target in whole GAIN_STEPs (0 when the film is within half a step of it).
export function filmGain(target: number, integrated: number): number {
  return Math.round((target - integrated) / GAIN_STEP) * GAIN_STEP || 0;
}

// EBU R128 by measurement and one linear gain, rounded to GAIN_STEP (above). When a limiter was needed, the
// film is measured again and what it took away is made up once more.
async function pcmToLoudness(ffmpeg: string, pcm: string, target: number): Promise<void> {
  for (let pass = 1; pass <= 2; pass++) {
    const m = parseLoudness(await runToolWithStderr(ffmpeg, pcmLoudnessArgs(pcm)));
    // A silent film has no loudness to set.
    if (!m || m.integrated < -69) return;
    const gain = filmGain(target, m.integrated);
    if (gain === 0) return;
    const limit = m.truePeak + gain > -1;
    const out = tempSibling(pcm);
    try {
      await runTool(ffmpeg, pcmGainArgs(pcm, gain, limit, out));
      await rename(out, pcm);
    } finally {
      await removeIfExists(out);
    }
    if (!limit) return;
  }
}
