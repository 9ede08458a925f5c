// Stitch stage: clips -> film. Uniform cuts: stream copy. Anything else: normalised pieces (cached, so a
// one-shot change re-encodes its stretch and the windows beside it) joined by stream copy, with the film's
// audio encoded in cached chunks (soundtrack.ts) and copied in the same mux.
import { mkdir, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { replaceAside, tempSibling } from "../cache/atomic.js";
import { joinMp4 } from "../media/mp4-join.js";
import { muxPiecesWithAdts } from "../media/mp4-mux.js";
import { type Movie, readMovies } from "../media/mp4-movie.js";
import { probeMedia } from "../media/probe.js";
import { FfmpegError, runTool, runToolWithStderr, type RunOptions } from "../media/run.js";
import { RunError } from "../errors.js";
import { spaceLeft } from "../cache/checked-write.js";
import {
  burnArgs,
  concatCopyArgs,
  concatList,
  fileList,
  loudnessApplyArgs,
  loudnessMeasureArgs,
  muxEncodedArgs,
  parseLoudness,
} from "./args.js";
import { checkMp4 } from "./check-output.js";
import { writeRecord, type FilmRecord } from "./film.js";
import { ensureSegments, type PieceOptions } from "./encode-pieces.js";
import { canStreamCopy, frameTiming, targetProfile, type StitchClip } from "./profile.js";
import { progressParser } from "./progress.js";
import { type Cue, toAss } from "./captions.js";
import { clipStarts, type FilmSound } from "./sound-graph.js";
import { soundtrack } from "./soundtrack.js";
import type { Storyboard } from "../storyboard/types.js";
import { removeIfExists } from "../util/fs.js";

export interface StitchOptions extends PieceOptions {
  render: Storyboard["render"];
  output: string;
  tmpDir: string;
  // Clips per chunk of the film's audio (default CHUNK); AAC frames per cached chunk of its encoding.
  audioChunk?: number;
  audioChunkFrames?: number;
  // Voice-overs and a music bed over the clips' own audio.
  sound?: FilmSound;
  // Captions to burn into the picture (render.captions: burn); the cues come from captionsFor().
  burn?: (starts: number[], totalFrames: number, fps: number) => Cue[];
}

// `captions`: the .srt and .vtt written beside the film.
export type StitchResult = FilmRecord & { upToDate: boolean; captions?: string[] };

export async function stitchFilm(o: StitchOptions, key: string, now: () => number): Promise<FilmRecord> {
  await mkdir(path.dirname(o.output), { recursive: true });
  await mkdir(o.tmpDir, { recursive: true });
  const tmp = tempSibling(o.output);
  const copy = canStreamCopy(o.clips, o.render) && !o.sound;
  const profile = targetProfile(o.clips, o.render);
  const timing = frameTiming(o.clips, profile.fps);
  let segments = { made: 0, reused: 0, clips_encoded: 0 };
  let pieceKeys: string[] = [];
  let copiedSeconds = 0;
  let audioChunks = { made: 0, reused: 0 };
  let early: Promise<Map<string, Movie>> | undefined;
  try {
    const list = tempSibling(path.join(o.tmpDir, "concat.txt"));
    try {
      if (copy) copiedSeconds = await joinByCopy(o, list, tmp);
      else {
        // Segments are whole frames, so the mix, the voice-overs and the captions line up with the picture;
        // the soundtrack is made while they are encoded.
        const [made, sound] = await Promise.allSettled([
          ensureSegments(
            o,
            profile,
            (s) => (segments = s),
            // The cached pieces' movies are read while the others are encoded, not after.
            (cached) => (early = knownMovies(cached)),
          ),
          soundtrack(o, profile, timing),
        ]);
        if (made.status === "rejected" && sound.status === "fulfilled") await removeIfExists(sound.value.aac);
        if (made.status === "rejected") throw made.reason;
        if (sound.status === "rejected") throw sound.reason;
        const [pieces, audio] = [made.value, sound.value];
        pieceKeys = pieces.map((p) => path.basename(p.file, ".mp4"));
        try {
          audioChunks = { made: audio.made, reused: audio.reused };
          pieceKeys.push(...audio.keys);
          await muxFilm(o, pieces, audio.aac, list, tmp, profile.fps, await early);
        } finally {
          await removeIfExists(audio.aac);
        }
      }
    } finally {
      await removeIfExists(list);
    }
    // A copy joins the clips at their container lengths; anything else at whole frames.
    const starts = copy ? copiedStarts(o.clips, profile.fps) : clipStarts(timing);
    // After every pass that writes it, the film must be whole and as long as it should be: to two frames
    // (audio may run an AAC frame past the picture), or for a copy, where ffmpeg's progress said it ended.
    const expected = copy ? copiedSeconds : timing.totalFrames / profile.fps;
    const tolerance = copy ? 0.5 : Math.max(0.1, 2 / profile.fps);
    const whole = () => checkMp4(tmp, o.output, expected, tolerance, o.tools.ffprobe);
    await whole();
    if (o.burn) {
      const cues = o.burn(starts, timing.totalFrames, profile.fps);
      await burnCaptions(o, tmp, toAss(cues, profile.fps, profile.width, profile.height));
      await whole();
    }
    if (copy && o.render.loudness !== undefined) {
      await normaliseLoudness(o, tmp, o.render.loudness);
      await whole();
    }
    const duration = await filmSeconds(o, tmp, expected);
    await replaceAside(tmp, o.output);
    const record: FilmRecord = {
      version: 1,
      key,
      output: o.output,
      mode: copy ? "copy" : "normalised",
      duration,
      bytes: (await stat(o.output)).size,
      created_at: new Date(now()).toISOString(),
      clips: o.clips.map((c) => ({ shot: c.shot, key: c.key })),
      timing: { fps: profile.fps, starts, total_frames: timing.totalFrames },
      ...(o.sound?.music?.seconds && { music_seconds: o.sound.music.seconds }),
      ...(!copy && { segments, audio_chunks: audioChunks, pieces: pieceKeys }),
    };
    await writeRecord(record);
    return record;
  } finally {
    await removeIfExists(tmp);
  }
}

// Clips alike are joined in process (mp4-join.ts); what it cannot carry over exactly, ffmpeg's concat joins.
// Returns the film's length.
async function joinByCopy(o: StitchOptions, list: string, tmp: string): Promise<number> {
  const files = o.clips.map((c) => c.file);
  const joined = await writingFilm(o, tmp, () =>
    joinMp4(files, tmp, (done) => o.onProgress?.(100 * done), o.signal),
  );
  if (joined.kind === "joined") return joined.seconds;
  const total = o.clips.reduce((t, c) => t + c.media.duration, 0);
  const progress = progressParser(total, 0, 1, o.onProgress);
  await writeFile(list, concatList(o.clips));
  await writingFilm(o, tmp, () =>
    runTool(o.tools.ffmpeg, concatCopyArgs(list, tmp), runOptions(o, progress)),
  );
  return progress.seconds();
}

// The pieces and the soundtrack muxed in process (mp4-mux.ts), or by ffmpeg when that cannot carry them over.
async function muxFilm(
  o: StitchOptions,
  pieces: Array<{ file: string; frames: number }>,
  aac: string,
  list: string,
  tmp: string,
  fps: number,
  known?: Map<string, Movie>,
): Promise<void> {
  const files = pieces.map((p) => p.file);
  const muxed = await writingFilm(o, tmp, () =>
    muxPiecesWithAdts(files, aac, tmp, (done) => o.onProgress?.(90 + 10 * done), o.signal, known),
  );
  if (muxed.kind === "joined") return;
  await writeFile(
    list,
    fileList(
      files,
      pieces.map((p) => p.frames / fps),
    ),
  );
  const seconds = pieces.reduce((t, p) => t + p.frames, 0) / fps;
  const progress = progressParser(seconds, 0.9, 0.1, o.onProgress);
  await writingFilm(o, tmp, () =>
    runTool(o.tools.ffmpeg, muxEncodedArgs(list, aac, tmp), runOptions(o, progress)),
  );
}

// A film that does not fit, written in process or by an ffmpeg that says so, is named as a film cut short is
// (check-output.ts): the film first, then the full disk.
async function writingFilm<T>(o: StitchOptions, tmp: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const full = code === "ENOSPC" || code === "EDQUOT";
    const said =
      err instanceof FfmpegError && /No space left on device|Disk quota exceeded/.test(err.message);
    if (!full && !said) throw err;
    const why = full ? code : "ffmpeg could not write it";
    throw new RunError(`cannot write ${o.output}: it came out incomplete (${why})${await spaceLeft(tmp)}`);
  }
}

function runOptions(o: StitchOptions, progress: ReturnType<typeof progressParser>): RunOptions {
  return { onStdoutLine: progress.onLine, ...(o.signal && { signal: o.signal }) };
}

// Read once the encoders have been started (the reads are synchronous). Never rejects (it may not be awaited
// when the encoding fails): movies that cannot be read now are read again, and named, by the mux.
function knownMovies(files: string[]): Promise<Map<string, Movie>> {
  return new Promise((resolve) =>
    setImmediate(() => {
      try {
        const movies = readMovies(files);
        resolve(new Map(Array.isArray(movies) ? movies.map((m) => [m.file, m]) : []));
      } catch {
        resolve(new Map());
      }
    }),
  );
}

// Where each clip starts in a film joined by stream copy: after the previous clips' whole lengths.
function copiedStarts(clips: StitchClip[], fps: number): number[] {
  let seconds = 0;
  return clips.map((c) => {
    const start = Math.round(seconds * fps);
    seconds += c.media.duration;
    return start;
  });
}

// Captions into the picture: the whole film's video is encoded once more (its segments stay as they are).
async function burnCaptions(o: StitchOptions, film: string, ass: string): Promise<void> {
  if (!(await o.capabilities()).subtitles) throw new RunError(burnUnavailable(o.tools.ffmpeg));
  const captions = tempSibling(path.join(o.tmpDir, "captions.ass"));
  const out = tempSibling(film);
  try {
    await writeFile(captions, ass);
    await runTool(o.tools.ffmpeg, burnArgs(path.resolve(film), path.basename(captions), path.resolve(out)), {
      ...(o.signal && { signal: o.signal }),
      cwd: path.dirname(captions),
    });
    await rename(out, film);
  } finally {
    await removeIfExists(captions);
    await removeIfExists(out);
  }
}

export function burnUnavailable(ffmpeg: string): string {
  return `render.captions: burn needs ffmpeg's subtitles filter (libass), which ${ffmpeg} does not have. Install an ffmpeg built with libass (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg) and put it on PATH or set FFMPEG_PATH, or use render.captions: file to write the .srt and .vtt only.`;
}

// The picture's length is known without ffprobe (ffmpeg's progress for a copy, whole frames otherwise); the
// loudness pass copies the picture, so it does not change it.
async function filmSeconds(o: StitchOptions, film: string, known: number): Promise<number> {
  if (known > 0) return known;
  return (await probeMedia(o.tools.ffprobe, film)).duration;
}

// A copied film's loudness (a normalised film's is set on its PCM, soundtrack.ts): EBU R128 by measurement
// and one linear gain (loudnorm's linear mode gives up near full scale, its dynamic mode misses short films by
// more than 1 LU). When a limiter was needed, the film is measured again and what it took is made up once more.
async function normaliseLoudness(o: StitchOptions, film: string, target: number): Promise<void> {
  for (let pass = 1; pass <= 2; pass++) {
    const m = parseLoudness(await runToolWithStderr(o.tools.ffmpeg, loudnessMeasureArgs(film)));
    // A silent film has no loudness to set.
    if (!m || m.integrated < -69) return;
    const gain = target - m.integrated;
    if (pass === 2 && Math.abs(gain) < 0.3) return;
    const limit = m.truePeak + gain > -1;
    const out = tempSibling(film);
    try {
      await runTool(o.tools.ffmpeg, loudnessApplyArgs(film, gain, limit, out));
      await rename(out, film);
    } finally {
      await removeIfExists(out);
    }
    if (!limit) return;
  }
}
