// The film's soundtrack for a normalised film, encoded in cached AAC chunks (encoded-audio.ts) joined into one
// stream for the mux, which copies it. Each chunk is keyed by what plays in its window (mix-windows.ts) and the
// film's gain, so after an edit only the chunks it reaches are mixed (window-mix.ts: one ffmpeg over their
// window, the single pass's samples) and encoded; a first stitch mixes the whole film in one window.
//
// Loudness: the film's one gain is found from every chunk's measured loudness (chunk-loudness.ts: block
// energies kept per chunk, keyed by its mix), applied to the samples before they are encoded, and keyed into
// every chunk. Applying it after the chunks would mean decoding and encoding the whole soundtrack again (AAC
// has no exact gain but its 1.5 dB global_gain steps). Instead the gain is rounded to GAIN_STEP: one edit
// moves a film's loudness by far less than that (a shot of 48 twice as loud as the rest: 0.09 LU), so the
// gain, and with it every chunk the edit did not reach, usually stays the same; the film stays within
// GAIN_STEP / 2 of its target. When the gain would push the peaks over -1 dBTP, the whole film is mixed,
// measured by ffmpeg and limited as one, its chunks keyed by their samples.
import { readFileSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { tempSibling } from "../cache/atomic.js";
import { hashFile } from "../cache/artifacts/index.js";
import { detectCapabilities } from "../media/capabilities.js";
import { FfmpegError, osFailure, runTool, runToolWithStderr } from "../media/run.js";
import { RunError } from "../errors.js";
import { removeIfExists } from "../util/fs.js";
import { canonicalJson, sha256 } from "../util/hash.js";
import { AUDIO_CODEC, parseLoudness, pcmGainArgs, pcmLoudnessArgs } from "./args.js";
import { loudnessKey, measureChunks, readLoudness, writeLoudness } from "./chunk-loudness.js";
import {
  AUDIO_FORMAT,
  chunkBounds,
  type EncodedAudio,
  encodeAudio,
  encodeRun,
  missingFiles,
  runSpan,
  runsOf,
} from "./encoded-audio.js";
import { type ChunkLoudness, integratedLoudness } from "./loudness-meter.js";
import {
  chunkWindow,
  type ClipSpan,
  clipSpans,
  type KeySources,
  soundtrackSamples,
  windowKey,
} from "./mix-windows.js";
import { defaultParallel, sideBySide } from "./side-by-side.js";
import type { Profile, StitchClip, Timing } from "./profile.js";
import { type FilmSound, filmSamples } from "./sound-graph.js";
import { type WindowMixer, windowMixer } from "./window-mix.js";

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
  tools: { ffmpeg: string; quickFfmpeg?: string };
  parallel?: number;
  // Clips per chunk of the clips' audio (dialogue.ts), AAC frames per encoded chunk (encoded-audio.ts).
  audioChunk?: number;
  audioChunkFrames?: number;
  signal?: AbortSignal;
}

// The sound's ffmpegs (the bed, each window's mix, the AAC runs) are the bundled static one beside a system
// ffmpeg: Debian's takes 50-90 ms of CPU to start, three times a re-stitch. One binary makes all of a film's
// chunks (its version is in their keys): when the bundled one fails (an input it cannot read, not a full disk),
// the configured one makes them all.
export async function soundtrack(
  o: SoundtrackOptions,
  profile: Profile,
  timing: Timing,
): Promise<Soundtrack> {
  const quick = o.tools.quickFfmpeg;
  if (quick)
    try {
      return await soundtrackBy(o, profile, timing, quick);
    } catch (e) {
      if (!(e instanceof FfmpegError) || osFailure(e) || o.signal?.aborted) throw e;
    }
  return soundtrackBy(o, profile, timing, o.tools.ffmpeg);
}

async function soundtrackBy(
  o: SoundtrackOptions,
  profile: Profile,
  timing: Timing,
  ffmpeg: string,
): Promise<Soundtrack> {
  const by = { ffmpeg, binary: (await detectCapabilities(ffmpeg)).version };
  // Its chunks may be written before the pieces' encoder has made the folder.
  await mkdir(o.segmentDir, { recursive: true });
  const parallel = o.parallel ?? defaultParallel();
  const spans = clipSpans(timing, profile.fps);
  const total = soundtrackSamples(spans, filmSamples(timing, profile.fps), !!o.sound);
  const mixer = windowMixer({ ...o, profile, timing, spans, ffmpeg: by.ffmpeg, parallel });
  mixer.warm(o.signal);
  const aac = tempSibling(path.join(o.tmpDir, "audio.aac"));
  try {
    const film = { spans, timing, fps: profile.fps, total, mixer, parallel, ...by };
    const encoded = await chunkedSoundtrack(o, film);
    // The chunks read synchronously, as their loudness is (chunk-loudness.ts).
    await writeFile(aac, Buffer.concat(encoded.files.map((file) => readFileSync(file))));
    return { ...encoded, aac };
  } catch (e) {
    await removeIfExists(aac);
    throw e;
  } finally {
    await mixer.dispose();
  }
}

interface Film {
  spans: ClipSpan[];
  timing: Timing;
  fps: number;
  total: number;
  mixer: WindowMixer;
  parallel: number;
  // The ffmpeg that makes the sound, and its version (in the chunks' keys).
  ffmpeg: string;
  binary: string;
}

// Each chunk keyed by its mix (mix-windows.ts) and the film's gain; only the chunks missing are mixed (a
// window each run of them) and encoded. The gain comes from every chunk's loudness, measured once per mix.
async function chunkedSoundtrack(o: SoundtrackOptions, f: Film): Promise<EncodedAudio> {
  const signal = o.signal;
  const bounds = chunkBounds(f.total, o.audioChunkFrames);
  const n = bounds.length - 1;
  const sources: KeySources = {
    ...f,
    clips: o.clips,
    ...(await sourceHashes(o.sound)),
    ...(o.sound && { sound: o.sound }),
  };
  const mixKeys = bounds.slice(1).map((_, k) => windowKey(chunkWindow(bounds, k), sources));
  const windowOf = (first: number, end: number) => ({
    from: chunkWindow(bounds, first).from,
    to: chunkWindow(bounds, end - 1).to,
  });
  const measuredKeys: string[] = [];
  let gainDb: number | null = null;
  if (o.render.loudness !== undefined) {
    measuredKeys.push(...mixKeys.map(loudnessKey));
    const measured = measuredKeys.map((key) => readLoudness(o.segmentDir, key));
    await sideBySide(
      runsOf(measured.map((m) => !m)).map(([first, end]) => async (s) => {
        const { from, to } = windowOf(first, end);
        const window = await f.mixer.mix(from, to, s);
        const found = await measureChunks(window, bounds, first, end);
        for (let k = first; k < end; k++) {
          measured[k] = found[k - first]!;
          await writeLoudness(o.segmentDir, measuredKeys[k]!, measured[k]!);
        }
      }),
      f.parallel,
      signal,
    );
    const chunks = measured as ChunkLoudness[];
    const integrated = integratedLoudness(chunks, f.total);
    // A silent film has no loudness to set.
    gainDb = integrated < -69 ? 0 : filmGain(o.render.loudness, integrated);
    const peak = 20 * Math.log10(Math.max(...chunks.map((c) => c.peak)));
    // Peaks the gain would push over -1 dBTP: the limiter's path, over the whole film at once.
    if (gainDb !== 0 && peak + gainDb > -1) return limitedSoundtrack(o, f, o.render.loudness);
  }
  const keys = mixKeys.map((mix) =>
    sha256(canonicalJson({ audio_format: AUDIO_FORMAT, codec: AUDIO_CODEC, mix, gain_db: gainDb })),
  );
  const files = keys.map((key) => path.join(o.segmentDir, `${key}.aac`));
  const missing = missingFiles(files);
  await sideBySide(
    runsOf(missing).map(([first, end]) => async (s) => {
      const needed = runSpan(bounds, first, end);
      const { from, to } = windowOf(first, end);
      const source = f.mixer.holding(needed.from, needed.to) ?? (await f.mixer.mix(from, to, s));
      await encodeRun({ source, ffmpeg: f.ffmpeg, gainDb: gainDb ?? 0 }, bounds, files, first, end, s);
    }),
    f.parallel,
    signal,
  );
  const made = missing.filter(Boolean).length;
  return { files, keys: [...keys, ...measuredKeys], made, reused: n - made };
}

// The sha256 of each voice-over's file and the bed's (the same file hashed once), read in blocks: a song's
// bed need not be held whole.
async function sourceHashes(sound?: FilmSound): Promise<Pick<KeySources, "voiceHashes" | "bedHash">> {
  const hashes = new Map<string, Promise<string>>();
  const hash = (file: string) => {
    if (!hashes.has(file))
      hashes.set(
        file,
        hashFile(file).then(
          (h) => h.sha256,
          (e: Error) => {
            throw new RunError(`cannot read the film's sound ${file}: ${e.message}`);
          },
        ),
      );
    return hashes.get(file)!;
  };
  const voiceHashes = await Promise.all((sound?.voices ?? []).map((v) => hash(v.file)));
  return { voiceHashes, ...(sound?.music && { bedHash: await hash(sound.music.file) }) };
}

// The whole film mixed, measured by ffmpeg, brought to its target with the limiter, and its chunks keyed by
// their samples (as every film was before chunks were keyed by their mix).
async function limitedSoundtrack(o: SoundtrackOptions, f: Film, target: number): Promise<EncodedAudio> {
  // The whole film's window is [0, total) exactly; the mixer removes its file.
  const { file: pcm } = await f.mixer.mix(0, f.total, o.signal);
  await pcmToLoudness(f.ffmpeg, pcm, target);
  return encodeAudio({
    pcm,
    totalSamples: f.total,
    dir: o.segmentDir,
    ffmpeg: f.ffmpeg,
    binary: f.binary,
    parallel: f.parallel,
    ...(o.audioChunkFrames && { chunkFrames: o.audioChunkFrames }),
    ...(o.signal && { signal: o.signal }),
  });
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
