// A window of the film's soundtrack mixed to raw PCM by one ffmpeg: the clips whose audio plays there (a
// chain of their own, dialogue.ts), the voice-overs cut or delayed to it, and the bed from its place in its
// loop. The whole film is the window [0, total): the single pass. A window's samples are the single pass's
// (the dialogue exactly; the duck's compressor once settled in the pre-roll, mix-windows.ts).
import { stat } from "node:fs/promises";
import path from "node:path";
import { tempSibling } from "../cache/atomic.js";
import { runTool } from "../media/run.js";
import { removeIfExists } from "../util/fs.js";
import { audioPcmArgs, decodePcmArgs } from "./args.js";
import { dialogueAudio } from "./dialogue.js";
import { BYTES_PER_SAMPLE, type PcmSource } from "./encoded-audio.js";
import { type ClipSpan, dialogueSlice } from "./mix-windows.js";
import type { Profile, StitchClip, Timing } from "./profile.js";
import { type FilmSound, mixGraph, soundInputs } from "./sound-graph.js";

export interface MixedWindow extends PcmSource {
  // Film sample after its last (at least the `to` asked for, unless the film ends first).
  to: number;
}

export interface WindowMixer {
  // Starts decoding the bed while the chunks' keys are worked out (its failure surfaces in the mix that needs it).
  warm(signal?: AbortSignal): void;
  mix(from: number, to: number, signal?: AbortSignal): Promise<MixedWindow>;
  // A window already mixed that holds [from, to).
  holding(from: number, to: number): MixedWindow | undefined;
  // Removes every file it made.
  dispose(): Promise<void>;
}

export function windowMixer(o: {
  clips: StitchClip[];
  profile: Profile;
  timing: Timing;
  spans: ClipSpan[];
  sound?: FilmSound;
  tmpDir: string;
  ffmpeg: string;
  parallel: number;
  audioChunk?: number;
}): WindowMixer {
  const mixed: MixedWindow[] = [];
  // The bed decoded once (when a window is mixed at all), looped by every window.
  const bedFile = tempSibling(path.join(o.tmpDir, "bed.f32"));
  let bed: Promise<{ file: string; samples: number }> | undefined;
  const bedPcm = (music: NonNullable<FilmSound["music"]>, signal?: AbortSignal) => {
    bed ??= (async () => {
      await runTool(o.ffmpeg, decodePcmArgs(music.file, bedFile), { ...(signal && { signal }) });
      return { file: bedFile, samples: (await stat(bedFile)).size / BYTES_PER_SAMPLE };
    })();
    return bed;
  };
  return {
    warm(signal) {
      if (o.sound?.music) bedPcm(o.sound.music, signal).catch(() => {});
    },
    async mix(from, to, signal) {
      const run = signal && { signal };
      const slice = dialogueSlice(o.spans, from, to);
      const cut = { type: "cut" as const, duration: 0 };
      const clips = o.clips
        .slice(slice.first, slice.last + 1)
        .map((c, i) => (i === 0 ? { ...c, transition: cut } : c));
      const end = Math.max(to, slice.end);
      const file = tempSibling(path.join(o.tmpDir, "mix.f32"));
      const dialogue = await dialogueAudio({
        clips,
        profile: o.profile,
        tmpDir: o.tmpDir,
        ffmpeg: o.ffmpeg,
        // One chunk of clips' audio at a time: the pieces' encoders hold the memory (and the cores) beside it,
        // so a film's peak stays flat however many chunks it has (bench stitch-memory).
        parallel: 1,
        first: 0,
        endCut: slice.endCut,
        ...(o.audioChunk && { chunk: o.audioChunk }),
        ...run,
      });
      try {
        // The chain starts at its first clip; the window where the single pass's samples begin.
        const skip = from - slice.start;
        const own = {
          ...dialogue.graph,
          filter: `${dialogue.graph.filter};\n${dialogue.graph.output}atrim=start_sample=${skip},asetpts=PTS-STARTPTS[window]`,
          output: "[window]",
        };
        const music = o.sound?.music;
        const loop = music && (await bedPcm(music, signal));
        const graph = o.sound
          ? mixGraph(own, o.sound, o.timing, o.profile.fps, dialogue.inputCount, {
              from,
              to: end,
              ...(loop && { bedSamples: loop.samples }),
            })
          : {
              ...own,
              filter: `${own.filter};\n[window]apad,atrim=end_sample=${end - from}[aout]`,
              output: "[aout]",
            };
        const voices = "voices" in graph ? graph.voices : [];
        const inputs = [...dialogue.inputs, ...(o.sound ? soundInputs(o.sound, voices, loop?.file) : [])];
        await runTool(o.ffmpeg, audioPcmArgs(inputs, graph, file), { ...run });
      } catch (e) {
        await removeIfExists(file);
        throw e;
      } finally {
        for (const temporary of dialogue.temporary) await removeIfExists(temporary);
      }
      const window = { file, from, to: from + (await stat(file)).size / BYTES_PER_SAMPLE };
      mixed.push(window);
      return window;
    },
    holding: (from, to) => mixed.find((w) => w.from <= from && w.to >= to),
    async dispose() {
      for (const w of mixed) await removeIfExists(w.file);
      await bed?.catch(() => {});
      await removeIfExists(bedFile);
    },
  };
}
