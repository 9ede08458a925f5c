// Stitch stage: clips -> film. Up to date: nothing. Uniform cuts: stream copy. Anything else: one normalising encode.
import { mkdir, rename, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { tempSibling } from "../cache/atomic.js";
import type { Capabilities } from "../media/capabilities.js";
import type { MediaTools } from "../media/binaries.js";
import { probeMedia } from "../media/probe.js";
import { runTool, runToolWithStderr } from "../media/run.js";
import { RunError } from "../errors.js";
import { concatCopyArgs, concatList, loudnessApplyArgs, loudnessMeasureArgs, normalisedArgs, type LoudnessMeasurement } from "./args.js";
import { writeRecord, type FilmRecord } from "./film.js";
import { stitchGraph } from "./graph.js";
import { canStreamCopy, frameTiming, targetProfile, type StitchClip } from "./profile.js";
import type { Storyboard } from "../storyboard/types.js";

export interface StitchOptions {
  clips: StitchClip[];
  render: Storyboard["render"];
  output: string;
  tmpDir: string;
  tools: MediaTools;
  // Asked only when a film must be made, so an up-to-date render starts no ffmpeg at all.
  capabilities: () => Promise<Capabilities>;
  onProgress?: (percent: number) => void;
  signal?: AbortSignal;
}

export type StitchResult = FilmRecord & { upToDate: boolean };

export async function stitchFilm(o: StitchOptions, key: string, now: () => number): Promise<FilmRecord> {
  await mkdir(path.dirname(o.output), { recursive: true });
  await mkdir(o.tmpDir, { recursive: true });
  const tmp = tempSibling(o.output);
  const copy = canStreamCopy(o.clips, o.render);
  const profile = targetProfile(o.clips, o.render);
  const expected = copy ? o.clips.reduce((t, c) => t + c.media.duration, 0) : frameTiming(o.clips, profile.fps).totalFrames / profile.fps;
  const progress = progressParser(expected, o.onProgress);
  const run = { onStdoutLine: progress.onLine, ...(o.signal && { signal: o.signal }) };
  try {
    if (copy) {
      const list = tempSibling(path.join(o.tmpDir, "concat.txt"));
      await writeFile(list, concatList(o.clips));
      try {
        await runTool(o.tools.ffmpeg, concatCopyArgs(list, tmp), run);
      } finally {
        await unlink(list).catch(() => undefined);
      }
    } else {
      const graph = stitchGraph(o.clips, profile, await o.capabilities());
      await runTool(o.tools.ffmpeg, normalisedArgs(o.clips, graph, profile, tmp), run);
    }
    if (o.render.loudness !== undefined) await normaliseLoudness(o, tmp, o.render.loudness);
    // ffmpeg's last progress line gives the length; ffprobe only when it printed none (or loudnorm re-wrote the file).
    const duration = (o.render.loudness === undefined && progress.seconds()) || (await probeMedia(o.tools.ffprobe, tmp)).duration;
    await rename(tmp, o.output);
    const record: FilmRecord = {
      version: 1,
      key,
      output: o.output,
      mode: copy ? "copy" : "normalised",
      duration,
      bytes: (await stat(o.output)).size,
      created_at: new Date(now()).toISOString(),
      clips: o.clips.map((c) => ({ shot: c.shot, key: c.key })),
    };
    await writeRecord(record);
    return record;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

// Two-pass EBU R128: measure, then apply the measured values linearly; the video is copied untouched.
async function normaliseLoudness(o: StitchOptions, film: string, target: number): Promise<void> {
  if (!(await o.capabilities()).loudnorm) throw new RunError(`render.loudness needs ffmpeg's loudnorm filter, which ${o.tools.ffmpeg} lacks`);
  const stderr = await runToolWithStderr(o.tools.ffmpeg, loudnessMeasureArgs(film, target));
  const json = stderr.slice(stderr.lastIndexOf("{"), stderr.lastIndexOf("}") + 1);
  const measured = JSON.parse(json) as LoudnessMeasurement;
  const out = tempSibling(film);
  await runTool(o.tools.ffmpeg, loudnessApplyArgs(film, target, measured, out));
  await rename(out, film);
}

// ffmpeg -progress prints key=value lines; out_time_us against the expected length gives a percentage.
function progressParser(expectedSeconds: number, onProgress?: (percent: number) => void) {
  let last = 0;
  return {
    onLine(line: string) {
      const m = /^out_time_us=(\d+)/.exec(line);
      if (!m) return;
      last = Number(m[1]) / 1e6;
      if (onProgress && expectedSeconds > 0) onProgress(Math.min(100, (last / expectedSeconds) * 100));
    },
    seconds: () => last,
  };
}
