// Write a render's report (JSON) and contact sheet (HTML) beside its film, with posters extracted once per clip.
import { mkdir, rename } from "node:fs/promises";
import pLimit from "p-limit";
import path from "node:path";
import { tempSibling, writeFileAtomic, writeJsonAtomic } from "../cache/atomic.js";
import { filmFiles } from "../util/output-files.js";
import type { CachePaths } from "../cache/layout.js";
import { readSidecar, type ClipSidecar } from "../cache/store.js";
import type { ClipOutcome } from "../generate/generate.js";
import type { MediaTools } from "../media/binaries.js";
import { RunError } from "../errors.js";
import { FFMPEG_PREAMBLE, runTool } from "../media/run.js";
import type { Plan } from "../plan/plan.js";
import type { StitchResult } from "../stitch/stitch.js";
import type { Storyboard } from "../storyboard/types.js";
import { contactSheet } from "./html.js";
import { buildReport, type Report } from "./report.js";
import { statIfExists } from "../util/fs.js";

export interface WriteReportOptions {
  board: Storyboard;
  plan: Plan;
  outcomes: ClipOutcome[];
  film?: StitchResult;
  output: string;
  paths: CachePaths;
  tools: MediaTools;
  phases: Record<string, number>;
  now: number;
}

export async function writeReport(
  o: WriteReportOptions,
): Promise<{ report: Report; json: string; html: string }> {
  const where = filmFiles(o.output);
  const dir = path.dirname(o.output);
  const keys = [...new Set(o.plan.shots.map((s) => s.key))];
  const sidecars = new Map<string, ClipSidecar>();
  await Promise.all(
    keys.map(async (key) => {
      const sidecar = await readSidecar(o.paths, key);
      if (sidecar) sidecars.set(key, sidecar);
    }),
  );
  const posters = new Map<string, string>();
  const limit = pLimit(4);
  await Promise.all(
    [...sidecars.keys()].map((key) =>
      limit(async () => {
        const poster = await ensurePoster(
          o.tools,
          o.paths.clip(key),
          path.join(where.posters, `${key.slice(0, 16)}.jpg`),
        );
        if (poster) posters.set(key, poster);
      }),
    ),
  );
  const report = buildReport({
    ...o,
    dir,
    sidecars,
    clipPath: o.paths.clip,
    posterPath: (key) => posters.get(key),
  });
  await mkdir(dir, { recursive: true });
  await writeJsonAtomic(where.report, report);
  await writeFileAtomic(where.html, contactSheet(report));
  return { report, json: where.report, html: where.html };
}

// A poster frame a second in (or the first frame of a shorter clip); made once, reused while the file exists.
async function ensurePoster(tools: MediaTools, clip: string, poster: string): Promise<string | undefined> {
  if (await statIfExists(poster)) return poster;
  await mkdir(path.dirname(poster), { recursive: true });
  const tmp = tempSibling(poster);
  try {
    await runTool(tools.ffmpeg, [
      ...FFMPEG_PREAMBLE,
      "-ss",
      "1",
      "-i",
      clip,
      "-frames:v",
      "1",
      "-vf",
      "scale=480:-2",
      "-q:v",
      "4",
      "-f",
      "image2",
      tmp,
    ]);
    await rename(tmp, poster);
    return poster;
  } catch (err) {
    // A clip ffmpeg cannot read gets no poster; the contact sheet shows the shot without one.
    if (err instanceof RunError) return undefined;
    throw err;
  }
}
