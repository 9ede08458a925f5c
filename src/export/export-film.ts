// `storyreel export`: the film's edit as an OpenTimelineIO or MLT timeline, from the cache alone (no ffmpeg):
// every clip's kept range, every transition, and the music and voice-overs, optionally collected into one folder.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { readJson } from "../cache/atomic.js";
import { copyChecked, writeChecked, writeJsonChecked } from "../cache/checked-write.js";
import { cachePaths, type CachePaths } from "../cache/layout.js";
import { outputFile, verified } from "../cache/artifacts/index.js";
import { RunError, UsageError } from "../errors.js";
import type { MediaTools } from "../media/binaries.js";
import { ffprobeMedia, probeMedia } from "../media/probe.js";
import { toMlt } from "./mlt.js";
import { toOtio } from "./otio.js";
import { type Timeline, timelineClips } from "./timeline.js";
import { contactSheet } from "../report/html.js";
import { type ExportRecord, type Report, reportExports } from "../report/report.js";
import { exportedTimelines } from "../report/write.js";
import { existingFilm, filmRender } from "../stitch/film.js";
import { targetProfile, type StitchClip } from "../stitch/profile.js";
import { filmFiles } from "../util/output-files.js";
import { filmClipKey, type Plan } from "../plan/plan.js";
import type { Storyboard } from "../storyboard/types.js";
import { checkCollectFolder, checkCollectTargets, checkTimelinePath } from "./export-guard.js";
import { storedAs } from "../steps/registry.js";
import { shotClip } from "./shot-metadata.js";

// The film to export, as the pipeline plans it (its PlannedFilm fits): its storyboard, its plan, where the film is.
export interface FilmToExport {
  board: Storyboard;
  plan: Plan;
  output: string;
}

export type ExportFormat = "otio" | "mlt";

export interface ExportOptions {
  format: ExportFormat;
  // Where the timeline goes (default: beside the film, or in the collect folder).
  out?: string;
  // Copy every clip and sound into this folder, named <nn>-<shot>.mp4, with the timeline referring to them.
  collect?: string;
}

export interface ExportResult {
  file: string;
  clips: number;
  frames: number;
  fps: number;
  collected?: string;
}

export async function exportFilm(
  film: FilmToExport,
  cacheDir: string,
  tools: MediaTools,
  o: ExportOptions,
): Promise<ExportResult> {
  const paths = cachePaths(cacheDir);
  // The film as last made (its key, and the bed's length it looped), read once.
  const current = await existingFilm(film.output);
  const timeline = await buildTimeline(film, paths, tools, current?.music_seconds);
  const ext = o.format === "otio" ? "otio" : "mlt";
  const base = path.basename(film.output).replace(/\.mp4$/i, "");
  const file = path.resolve(
    o.out ?? (o.collect ? path.join(o.collect, `${base}.${ext}`) : film.output.replace(/\.mp4$/i, `.${ext}`)),
  );
  if (/\.(mp4|mov|yaml|yml|json)$/i.test(file))
    throw new UsageError(`--out ${file} would overwrite a film or project file; name it .${ext}`);
  // Nothing is written until every path it would write is known to be new or an earlier export's.
  const folder = o.collect ? path.resolve(o.collect) : undefined;
  const where = folder ? collectedNames(timeline, folder) : undefined;
  if (folder) await refuseDamaged(film, paths);
  if (folder && where)
    await checkCollectTargets(
      folder,
      [...where.clips, ...where.sounds.values()],
      await checkCollectFolder(folder, base),
    );
  await checkTimelinePath(file, o.out ? "--out" : "the timeline");
  let reference = (f: string) => (o.format === "otio" ? pathToFileURL(f).href : f);
  if (folder && where) {
    const names = await collect(timeline, folder, where);
    // Inside the folder, relative names: it can be moved to another machine as it is.
    const dir = path.dirname(file);
    const relative = (f: string) => path.relative(dir, names.get(f) ?? f).split(path.sep);
    // OTIO's target_url is a URL: each part encoded. MLT takes a plain path.
    reference = (f: string) =>
      o.format === "otio" ? relative(f).map(encodeURIComponent).join("/") : relative(f).join("/");
  }
  const text =
    o.format === "otio"
      ? `${JSON.stringify(toOtio(timeline, reference), null, 2)}\n`
      : toMlt(timeline, reference);
  await mkdir(path.dirname(file), { recursive: true });
  await writeChecked(file, text);
  await linkFromReport(film.output, {
    format: o.format,
    path: file,
    ...(current && { film_key: current.key }),
  });
  return {
    file,
    clips: timeline.clips.length,
    frames: timeline.totalFrames,
    fps: timeline.fps,
    ...(o.collect && { collected: path.resolve(o.collect) }),
  };
}

async function buildTimeline(
  film: FilmToExport,
  paths: CachePaths,
  tools: MediaTools,
  musicSeconds: number | undefined,
): Promise<Timeline> {
  const { board, plan } = film;
  const missing: string[] = [];
  const clips: StitchClip[] = [];
  const shown = new Map<string, Record<string, unknown>>();
  for (const s of plan.shots) {
    const shot = board.shots[s.index]!;
    // The clip the film uses: the shot's finished clip when it has passes.
    const made = await shotClip(paths, plan, shot, s);
    if (!made) {
      missing.push(s.id);
      continue;
    }
    shown.set(s.id, made.metadata);
    const file = outputFile(paths, "clip", made.key);
    clips.push({
      shot: s.id,
      key: made.key,
      file,
      // Sidecars from before media was recorded: the mp4 is read in process (no ffprobe for an mp4).
      media: made.sidecar.media ?? (await probeMedia(tools.ffprobe, file)),
      transition: shot.transition,
      ...(shot.trim && { trim: shot.trim }),
    });
  }
  if (missing.length > 0)
    throw new RunError(
      `${board.file}: these shots have no cached clip: ${missing.join(", ")}. Render the film first, then export it.`,
    );
  const profile = targetProfile(clips, filmRender(board));
  const { clips: items, totalFrames } = timelineClips(clips, profile, (c) => ({
    ...shown.get(c.shot),
    ...(c.trim && { trim: c.trim }),
  }));
  const frames = (seconds: number) => Math.round(seconds * profile.fps);
  const sound = async (id: string) => {
    const step = plan.steps.find((s) => s.id === id);
    const got = step && (await verified(paths, "sound", step.key));
    return got?.ok ? got : undefined;
  };
  const voices: Timeline["voices"] = [];
  for (const [i, c] of items.entries()) {
    const shot = board.shots[plan.shots[i]!.index]!;
    // A lip-synced shot's voice-over is its clip's own sound, as in the film: laid again, it would be heard twice.
    const vo = shot.lipsync ? undefined : shot.voiceover;
    const made = vo && (await sound(`voice:${c.shot}`));
    if (vo && !made) missing.push(`the voice-over of ${c.shot}`);
    if (vo && made)
      voices.push({
        file: made.file,
        name: `voice-over ${c.shot}`,
        start: c.start + frames(vo.offset),
        frames: frames(made.sidecar.duration),
        sourceFrames: frames(made.sidecar.duration),
        metadata: {
          shot: c.shot,
          text: vo.text,
          voice: vo.voice,
          key: made.sidecar.key,
          sha256: made.sidecar.sha256,
        },
      });
  }
  let music: Timeline["music"];
  const m = board.music;
  if (m) {
    const bed = m.source.kind === "prompt" ? await sound("music:bed") : undefined;
    if (m.source.kind === "prompt" && !bed) missing.push("the music bed");
    const file = m.source.kind === "file" ? m.source.file.path : bed?.file;
    // A file's length is in the film's record (read when the film was made), so no ffprobe runs here.
    const seconds =
      bed?.sidecar.duration ??
      musicSeconds ??
      // A film made before its record kept the bed's length: read once.
      (file ? (await ffprobeMedia(tools.ffprobe, file)).duration : undefined);
    if (file)
      music = {
        file,
        name: "music",
        start: 0,
        frames: totalFrames,
        ...(seconds && { sourceFrames: frames(seconds) }),
        volumeDb: m.volumeDb,
        metadata: { volume_db: m.volumeDb, duck: m.duck, fade_in: m.fadeIn, fade_out: m.fadeOut },
      };
  }
  if (missing.length > 0)
    throw new RunError(
      `${board.file}: ${missing.join(", ")} not made yet. Render the film first, then export it.`,
    );
  return {
    name: board.title ?? board.name,
    fps: profile.fps,
    width: profile.width,
    height: profile.height,
    totalFrames,
    clips: items,
    ...(music && { music }),
    voices,
  };
}

// Copies are checked first: damaged bytes are never handed on as the film's clips or sounds.
async function refuseDamaged(film: FilmToExport, paths: CachePaths): Promise<void> {
  const bad: string[] = [];
  for (const s of film.plan.shots) {
    const clip = await verified(paths, "clip", filmClipKey(s));
    if (!clip.ok) bad.push(`${s.id} (${clip.why})`);
  }
  // A lip-synced shot's voice-over is in its finished clip, so it is not collected on its own.
  const synced = new Set(film.board.shots.filter((s) => s.lipsync).map((s) => `voice:${s.id}`));
  for (const s of film.plan.steps)
    if (storedAs(s, "sound") && !synced.has(s.id) && !(await verified(paths, "sound", s.key)).ok)
      bad.push(`${s.id} (its bytes do not match its sidecar)`);
  if (bad.length > 0)
    throw new RunError(
      `--collect: the cache's copies of ${bad.join(", ")} are damaged, so nothing was collected. Run \`storyreel cache verify --repair\` (or render again), then export again.`,
    );
}

// Where each clip (one file per shot, even when two shots share a clip) and each sound goes in the folder.
function collectedNames(t: Timeline, dir: string): { clips: string[]; sounds: Map<string, string> } {
  const nn = (i: number) => String(i + 1).padStart(2, "0");
  const clips = t.clips.map((c, i) => path.join(dir, `${nn(i)}-${c.shot}.mp4`));
  const sounds = new Map<string, string>();
  if (t.music) sounds.set(t.music.file, path.join(dir, `music${path.extname(t.music.file)}`));
  for (const v of t.voices) {
    const i = t.clips.findIndex((c) => c.shot === v.metadata.shot);
    if (!sounds.has(v.file))
      sounds.set(v.file, path.join(dir, `voice-${nn(i)}-${v.metadata.shot}${path.extname(v.file)}`));
  }
  return { clips, sounds };
}

// Each clip as <nn>-<shot>.mp4, the bed as music.<ext>, each voice-over as voice-<nn>-<shot>.<ext>; the
// timeline's clips then name their copies.
async function collect(t: Timeline, dir: string, where: ReturnType<typeof collectedNames>) {
  await mkdir(dir, { recursive: true });
  const names = new Map<string, string>();
  for (const [i, c] of t.clips.entries()) {
    await copyChecked(c.file, where.clips[i]!);
    c.file = where.clips[i]!;
    names.set(c.file, c.file);
  }
  for (const [from, to] of where.sounds) {
    await copyChecked(from, to);
    names.set(from, to);
  }
  return names;
}

// The report and contact sheet beside the film link to every timeline exported from it. Timelines that are
// gone are dropped; each remembers the film it was exported from.
async function linkFromReport(output: string, made: ExportRecord): Promise<void> {
  const files = filmFiles(output);
  // The one just written is on disk: it replaces any earlier record of the same path.
  const all = [...(await exportedTimelines(files.exports)).filter((k) => k.path !== made.path), made];
  await writeJsonChecked(files.exports, all);
  const report = await readJson<Report>(files.report);
  if (!report) return;
  const dir = path.dirname(files.report);
  report.exports = reportExports(all, report.film?.key, (f) =>
    path.relative(dir, f).split(path.sep).join("/"),
  );
  await writeJsonChecked(files.report, report);
  await writeChecked(files.html, contactSheet(report));
}
