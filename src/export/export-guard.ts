// What `export` may overwrite: a timeline storyreel wrote (known by its opening lines), and in a folder it
// collected into before, the media that folder's timelines name. Anything else at a path it would write is
// refused before anything is written: a user's file is never replaced by an export.
import { open, readFile } from "node:fs/promises";
import path from "node:path";
import { UsageError } from "../errors.js";
import { HEAD_BYTES, storyreelTimeline, timelineMedia } from "./recognise.js";
import { ifMissing, listIfExists, statIfExists } from "../util/fs.js";

// The timeline's own path: new, or a timeline storyreel exported before.
export async function checkTimelinePath(file: string, option: string): Promise<void> {
  const info = await statIfExists(file);
  if (!info) return;
  if (!info.isFile() || !(await timelineFormat(file)))
    throw new UsageError(
      `${option} ${file} already exists and is not a timeline storyreel exported, so it is left as it is; name a new file. Nothing was written.`,
    );
}

// A folder to collect into is new, empty, or one this storyboard was collected into before (its timeline
// there is one storyreel wrote): two films never share one folder. Returns the files in it that may be
// replaced: those timelines and the media they name.
export async function checkCollectFolder(dir: string, name: string): Promise<Set<string>> {
  const info = await statIfExists(dir);
  if (!info) return new Set();
  if (!info.isDirectory()) throw new UsageError(`--collect ${dir} is a file; name a folder`);
  const files = await listIfExists(dir);
  const ours = new Set<string>();
  for (const timeline of [`${name}.mlt`, `${name}.otio`].map((f) => path.join(dir, f))) {
    const format = await timelineFormat(timeline);
    if (!format) continue;
    ours.add(timeline);
    const text = await readFile(timeline, "utf8");
    for (const media of timelineMedia(text, format)) ours.add(path.resolve(dir, media));
  }
  if (files.length > 0 && ours.size === 0)
    throw new UsageError(
      `--collect ${dir} already holds other files; collect into a new or empty folder (or the folder this storyboard was collected into before)`,
    );
  return ours;
}

// Every file a collect would write that exists already must be one the folder's earlier collect made.
export async function checkCollectTargets(dir: string, targets: string[], ours: Set<string>): Promise<void> {
  const taken: string[] = [];
  for (const file of targets)
    if ((await statIfExists(file)) && !ours.has(file)) taken.push(path.basename(file));
  if (taken.length > 0)
    throw new UsageError(
      `--collect ${dir} already holds ${taken.join(", ")}, which no timeline storyreel collected there names; move ${taken.length === 1 ? "it" : "them"} away or collect into a new folder. Nothing was written.`,
    );
}

async function timelineFormat(file: string): Promise<"otio" | "mlt" | undefined> {
  if (!(await statIfExists(file))?.isFile()) return undefined;
  const handle = await open(file, "r").catch(ifMissing(undefined));
  if (!handle) return undefined;
  try {
    const head = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(head, 0, HEAD_BYTES, 0);
    return storyreelTimeline(head.toString("utf8", 0, bytesRead));
  } finally {
    await handle.close();
  }
}
