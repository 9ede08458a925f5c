// Poster frames for the contact sheet: a frame a second into each clip, made once and reused while the file
// exists. Several are made by one ffmpeg process, since starting ffmpeg costs more than decoding one frame.
import { mkdir, readFile, rename } from "node:fs/promises";
import path from "node:path";
import { tempSibling } from "../cache/atomic.js";
import { spaceLeft } from "../cache/checked-write.js";
import { RunError } from "../errors.js";
import type { MediaTools } from "../media/binaries.js";
import { FFMPEG_PREAMBLE, runTool } from "../media/run.js";
import { existsNow, ifMissing, removeIfExists } from "../util/fs.js";

export interface PosterJob {
  clip: string;
  poster: string;
}

// Inputs per ffmpeg process: each open input holds a decoder, so memory stays bounded.
const BATCH = 8;

// The posters that exist afterwards; a clip ffmpeg cannot read gets none, and the sheet shows its card without one.
export async function makePosters(tools: MediaTools, jobs: PosterJob[]): Promise<Set<string>> {
  const missing: PosterJob[] = [];
  // Synchronous checks: a render with nothing to do asks this of every clip, one libuv round trip each otherwise.
  for (const job of jobs) if (!existsNow(job.poster)) missing.push(job);
  for (let i = 0; i < missing.length; i += BATCH) {
    const batch = missing.slice(i, i + BATCH);
    // One unreadable clip fails the whole batch; then each clip is tried on its own.
    if (!(await extract(tools, batch))) for (const job of batch) await extract(tools, [job]);
  }
  const made = new Set<string>();
  for (const job of jobs) if (existsNow(job.poster)) made.add(job.poster);
  return made;
}

export function posterArgs(jobs: Array<{ clip: string; out: string }>): string[] {
  return [
    ...FFMPEG_PREAMBLE,
    ...jobs.flatMap((j) => ["-ss", "1", "-i", j.clip]),
    ...jobs.flatMap((j, n) => [
      "-map",
      `${n}:v:0`,
      "-frames:v",
      "1",
      "-vf",
      "scale=480:-2",
      "-q:v",
      "4",
      "-f",
      "image2",
      j.out,
    ]),
  ];
}

async function extract(tools: MediaTools, jobs: PosterJob[]): Promise<boolean> {
  const outs = jobs.map((j) => ({ clip: j.clip, out: tempSibling(j.poster) }));
  let cutShort: string | undefined;
  try {
    for (const j of jobs) await mkdir(path.dirname(j.poster), { recursive: true });
    await runTool(tools.ffmpeg, posterArgs(outs));
    for (const [n, j] of jobs.entries()) {
      cutShort = await jpegCutShort(outs[n]!.out, j.poster);
      if (cutShort) break;
      await rename(outs[n]!.out, j.poster);
    }
  } catch (err) {
    if (err instanceof RunError || (err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  } finally {
    for (const o of outs) await removeIfExists(o.out);
  }
  // ffmpeg exits 0 when a full disk cut its output short: that is the disk's problem, not the clip's.
  if (cutShort) throw new RunError(cutShort);
  return true;
}

// A JPEG ends with its EOI marker (FF D9); one that does not was cut short. A missing file is for rename to report.
async function jpegCutShort(file: string, poster: string): Promise<string | undefined> {
  const bytes = await readFile(file).catch(ifMissing(undefined));
  if (!bytes) return undefined;
  const whole =
    bytes.length > 4 &&
    bytes[0] === 0xff &&
    bytes[1] === 0xd8 &&
    bytes.at(-2) === 0xff &&
    bytes.at(-1) === 0xd9;
  return whole ? undefined : `cannot write ${poster}: it came out incomplete${await spaceLeft(file)}`;
}
