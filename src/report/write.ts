// Write a render's report (JSON) and contact sheet (HTML) beside its film, with posters extracted once per clip.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { writeChecked, writeJsonChecked } from "../cache/checked-write.js";
import { filmFiles } from "../util/output-files.js";
import type { CachePaths } from "../cache/layout.js";
import { type ClipSidecar, outputFile, readSidecar } from "../cache/artifacts/index.js";
import type { ClipOutcome, StepOutcome } from "../steps/executor.js";
import { readJson } from "../cache/atomic.js";
import { statIfExists } from "../util/fs.js";
import type { MediaTools } from "../media/binaries.js";
import type { Plan } from "../plan/plan.js";
import { existingFilm } from "../stitch/film.js";
import type { StitchResult } from "../stitch/stitch.js";
import type { Storyboard } from "../storyboard/types.js";
import { contactSheet } from "./html.js";
import { makePosters } from "./posters.js";
import {
  buildReport,
  type ExportRecord,
  type RemoteSummary,
  type Report,
  type ReportInput,
  type RunOutcome,
} from "./report.js";
import { storedAs } from "../steps/registry.js";

export interface WriteReportOptions {
  board: Storyboard;
  plan: Plan;
  outcomes: ClipOutcome[];
  steps?: StepOutcome[];
  picked?: (id: string) => boolean;
  paid: ReportInput["paid"];
  film?: StitchResult;
  output: string;
  paths: CachePaths;
  tools: MediaTools;
  phases: Record<string, number>;
  now: number;
  run: RunOutcome;
  remote?: RemoteSummary;
}

export async function writeReport(
  o: WriteReportOptions,
): Promise<{ report: Report; json: string; html: string }> {
  const where = filmFiles(o.output);
  const dir = path.dirname(o.output);
  // Every take of every clip and of every pass (a pass is stored as a clip).
  const takeKeys = (s: { key: string; takes?: Array<{ key: string }> }) => [
    s.key,
    ...(s.takes ?? []).map((t) => t.key),
  ];
  const passIds = new Set(o.plan.shots.flatMap((s) => s.passes ?? []));
  const lastIds = new Set(o.plan.shots.flatMap((s) => s.passes?.slice(-1) ?? []));
  const passes = o.plan.steps.filter((s) => passIds.has(s.id));
  const keys = [...new Set([...o.plan.shots.flatMap(takeKeys), ...passes.flatMap(takeKeys)])];
  const sidecars = new Map<string, ClipSidecar>();
  await Promise.all(
    keys.map(async (key) => {
      const sidecar = await readSidecar(o.paths, "clip", key);
      if (sidecar) sidecars.set(key, sidecar);
    }),
  );
  // Posters for the clips and the finished clips; a pass between them is linked, not shown.
  const between = new Set(passes.filter((s) => !lastIds.has(s.id)).flatMap(takeKeys));
  const jobs = [...sidecars.keys()]
    .filter((key) => !between.has(key))
    .map((key) => ({
      key,
      clip: outputFile(o.paths, "clip", key),
      poster: path.join(where.posters, `${key.slice(0, 16)}.jpg`),
    }));
  const made = await makePosters(o.tools, jobs);
  const posters = new Map(jobs.filter((j) => made.has(j.poster)).map((j) => [j.key, j.poster]));
  // A render that made no film still shows the film an earlier render left there, marked as such.
  const earlierFilm = o.film ? undefined : await existingFilm(o.output);
  const images = new Map<string, string>();
  // Every take of a still, by its key (the one used among them).
  const stillImages = new Map<string, string>();
  await Promise.all(
    o.plan.steps
      .filter((s) => storedAs(s, "still"))
      .flatMap((s) => [s.key, ...(s.takes ?? []).map((t) => t.key)])
      .map(async (key) => {
        const sidecar = await readSidecar(o.paths, "still", key);
        if (sidecar) stillImages.set(key, outputFile(o.paths, "still", key, sidecar));
      }),
  );
  await Promise.all(
    o.plan.steps.map(async (s) => {
      if (storedAs(s, "frame") && (await statIfExists(outputFile(o.paths, "frame", s.key))))
        images.set(s.id, outputFile(o.paths, "frame", s.key));
      if (storedAs(s, "sound")) {
        const sidecar = await readSidecar(o.paths, "sound", s.key);
        if (sidecar) images.set(s.id, outputFile(o.paths, "sound", s.key, sidecar));
      }
    }),
  );
  const exports = await exportedTimelines(where.exports);
  const report = buildReport({
    ...(exports.length > 0 && { exports }),
    ...(earlierFilm && { earlierFilm }),
    ...o,
    steps: o.steps ?? [],
    ...(o.picked && { picked: o.picked }),
    stepImage: (s) => images.get(s.id) ?? stillImages.get(s.key),
    dir,
    sidecars,
    clipPath: (key) => outputFile(o.paths, "clip", key),
    posterPath: (key) => posters.get(key),
  });
  await mkdir(dir, { recursive: true });
  // Written again by every render, so not flushed to the disk first (a lost one is the next render's).
  await writeJsonChecked(where.report, report, { durable: false });
  await writeChecked(where.html, contactSheet(report), { durable: false });
  return { report, json: where.report, html: where.html };
}

// The timelines exported from this film that are still on disk (`<film>.exports.json`).
export async function exportedTimelines(file: string): Promise<ExportRecord[]> {
  const found: ExportRecord[] = [];
  for (const e of (await readJson<ExportRecord[]>(file)) ?? []) if (await statIfExists(e.path)) found.push(e);
  return found;
}
