// The JSON report (versioned): per shot what happened and what it cost, and the film with time per phase.
import path from "node:path";
import type { ClipSidecar } from "../cache/artifacts/index.js";
import type { ClipOutcome } from "../steps/executor.js";
import type { ImageRef } from "../storyboard/types.js";
import { resolutionOf } from "../models/modes.js";
import type { StepOutcome } from "../steps/executor.js";
import { pickCommand, reportSteps, type ReportStep, type ReportTake } from "./steps.js";

export type { ReportTake };
import { type ReportSound, reportSound, shotWords, type ShotWords } from "./sound.js";
import { sumCosts } from "../util/money.js";
import type { Plan } from "../plan/plan.js";
import { filmRender, type FilmRecord } from "../stitch/film.js";
import { keptSeconds } from "../storyboard/shots.js";
import type { Shot, Storyboard } from "../storyboard/types.js";
import { type ReportShotStatus, reportStatus } from "./status.js";
import { type ReportPass, reportPasses, shotPasses } from "./passes.js";
import { type ExportRecord, reportExports } from "./exports.js";

export { type ExportRecord, reportExports };

export { type ReportShotStatus, reportStatus };

export const REPORT_VERSION = 1;

export interface ReportShot extends ShotWords {
  id: string;
  index: number;
  key: string;
  status: ReportShotStatus;
  error?: string;
  duplicate_of?: string;
  provider: string;
  // The endpoint that made the clip, its family's alias and the mode the shot's inputs chose.
  model: string;
  family: string;
  mode: string;
  // The clip's resolution: the shot's, else its model's default, where the model offers a choice.
  resolution?: string;
  request_id?: string;
  cost: number;
  timings?: ClipSidecar["timings"];
  prompt: string;
  audio: boolean;
  duration: number;
  transition?: { type: string; duration: number };
  trim?: { start: number; end: number };
  // "slate" when the film has a slate in place of this shot's clip (--allow-missing).
  stand_in?: "slate";
  // Seconds into the film where this shot begins (its transition in included), when there is a film.
  start?: number;
  // Absent for text-to-video.
  image?: string;
  end_image?: string;
  references?: string[];
  clip?: string;
  clip_duration?: number;
  poster?: string;
  // With several takes: each one, the clip and poster when it exists, and the command that picks it.
  takes?: ReportTake[];
  // With finishing passes: each one in order, and the clip the film uses (the last pass's output); why an
  // asked pass does not run.
  passes?: ReportPass[];
  finished?: { key: string; clip?: string; poster?: string };
  pass_notes?: string[];
}

export interface Report {
  version: typeof REPORT_VERSION;
  storyboard: string;
  title?: string;
  provider: string;
  model: string;
  created_at: string;
  // The film this render made or found up to date; after a refused, interrupted or failed render, the film an
  // earlier render left at the output path (`from_earlier_render`), or null when there is none.
  film: {
    path: string;
    duration: number;
    key: string;
    mode: string;
    up_to_date: boolean;
    from_earlier_render?: true;
  } | null;
  cost: { currency: "USD"; film: number; spent: number; saved: number };
  phases_ms: Record<string, number>;
  shots: ReportShot[];
  // The storyboard's graph: stills, frames and clips, with their edges.
  steps: ReportStep[];
  run: RunOutcome;
  // With --remote-cache: what came from the bucket, what was refused as untrusted, what is left to upload.
  remote?: RemoteSummary;
  // With music, voice-overs or captions: the film's audio layers and its caption files.
  sound?: ReportSound;
  // The timelines `storyreel export` wrote (OpenTimelineIO, MLT), relative to the report; `current` when they
  // show this film (an older one's are kept, marked).
  exports?: Array<{ format: string; path: string; current: boolean }>;
}

export interface RemoteSummary {
  location: string;
  readonly: boolean;
  claims: boolean;
  fetched: { step: string; bytes: number }[];
  untrusted: { step: string; why: string; replaced: boolean }[];
  upload_failed: { step: string; why: string }[];
}

// How the render ended: "refused" (over --max-cost, nothing spent), "interrupted" (Ctrl-C), "failed".
export interface RunOutcome {
  status: "ok" | "refused" | "interrupted" | "failed";
  message?: string;
}

export interface ReportInput {
  board: Storyboard;
  plan: Plan;
  outcomes: ClipOutcome[];
  steps: StepOutcome[];
  // A cached still's or frame's image, or a voice-over's or bed's audio, when the cache has one.
  stepImage: (step: { id: string; key: string }) => string | undefined;
  // Whether the lockfile says the take was chosen with `storyreel pick`: a shot by its id, a still as "still:NAME".
  picked?: (id: string) => boolean;
  // What this run paid for this storyboard: its own records in the spend ledger (one per submit).
  paid: Array<{ request_id: string; cost: number }>;
  sidecars: Map<string, ClipSidecar>;
  film?: FilmRecord & { upToDate: boolean; captions?: string[] };
  // Timelines exported earlier, still on disk, with the key of the film each shows.
  exports?: ExportRecord[];
  // When this render made no film: the one an earlier render left at the output path, if it is still there.
  earlierFilm?: FilmRecord;
  run: RunOutcome;
  remote?: RemoteSummary;
  // Folder the report is written in; every path in it is relative to this folder.
  dir: string;
  clipPath: (key: string) => string;
  posterPath: (key: string) => string | undefined;
  phases: Record<string, number>;
  now: number;
}

export function buildReport(r: ReportInput): Report {
  const rel = (file: string) => path.relative(r.dir, file).split(path.sep).join("/");
  // A file relative to the report, a URL as it is, a still or frame by its name ("still keeper", "lamp@last").
  const shown = (image: ImageRef) =>
    image.kind === "file" ? rel(image.path) : image.kind === "url" ? image.url : image.source;
  const byKey = new Map(r.outcomes.map((o) => [o.key, o]));
  const stepIds = new Map(r.plan.steps.map((s) => [s.id, s]));
  const audio = (id: string) => {
    const step = stepIds.get(id);
    const file = step && r.stepImage(step);
    return file && rel(file);
  };
  const starts = shotStarts(r.plan.shots.map((s) => r.board.shots[s.index]!));
  const hasFilm = r.film !== undefined || r.earlierFilm !== undefined;
  const passInput = {
    plan: r.plan,
    ...(r.picked && { picked: r.picked }),
    steps: r.steps,
    sidecars: r.sidecars,
    clip: (key: string) => rel(r.clipPath(key)),
    poster: (key: string) => {
      const file = r.posterPath(key);
      return file && rel(file);
    },
  };
  const slated = new Set(r.film?.clips.filter((c) => c.key.startsWith("slate:")).map((c) => c.shot));
  const shots = r.plan.shots.map((s, i): ReportShot => {
    const shot = r.board.shots[s.index]!;
    const outcome = byKey.get(s.key);
    const sidecar = r.sidecars.get(s.key);
    const status = reportStatus(s.status, outcome?.status, sidecar !== undefined);
    const poster = sidecar && r.posterPath(s.key);
    return {
      id: s.id,
      index: s.index,
      key: s.key,
      status,
      ...(outcome?.error && { error: outcome.error }),
      ...(s.duplicate_of && { duplicate_of: s.duplicate_of }),
      provider: r.plan.provider,
      model: shot.model.endpoint,
      family: shot.model.family,
      mode: shot.model.mode,
      ...(shotResolution(shot) && { resolution: shotResolution(shot) }),
      ...(sidecar?.request_id && { request_id: sidecar.request_id }),
      cost: s.cost,
      ...(sidecar && {
        timings: sidecar.timings,
        clip: rel(r.clipPath(s.key)),
        clip_duration: sidecar.duration,
      }),
      prompt: shot.prompt,
      ...shotWords(r.board, s.index, audio),
      audio: shot.audio,
      duration: shot.duration,
      ...(shot.transition.type !== "cut" && { transition: shot.transition }),
      ...(shot.trim && { trim: shot.trim }),
      ...(shot.image && { image: shown(shot.image) }),
      ...(shot.references && { references: shot.references.map((r) => shown(r.image)) }),
      ...(shot.endImage && { end_image: shown(shot.endImage) }),
      ...(poster && { poster: rel(poster) }),
      ...(s.takes && {
        takes: s.takes.map((t) => {
          const side = r.sidecars.get(t.key);
          const shown = side && r.posterPath(t.key);
          return {
            take: t.take,
            key: t.key,
            used: t.take === s.take,
            picked: t.take === s.take && r.picked?.(s.id) === true,
            ...(side && { clip: rel(r.clipPath(t.key)) }),
            ...(shown && { poster: rel(shown) }),
            pick: pickCommand(r.plan, s.id, t.take),
          };
        }),
      }),
      ...(hasFilm && { start: starts[i]! }),
      ...(slated.has(s.id) && { stand_in: "slate" as const }),
      ...reportPasses(shotPasses(r.plan, shot, s), s, passInput),
    };
  });
  const steps = reportSteps(r.plan, r.board, r.steps, r.stepImage, r.picked).map((s) => ({
    ...s,
    ...(s.image && { image: rel(s.image) }),
    ...(s.takes && { takes: s.takes.map((t) => (t.image ? { ...t, image: rel(t.image) } : t)) }),
  }));
  const spent = sumCosts(r.paid.map((p) => p.cost));
  return {
    version: REPORT_VERSION,
    storyboard: r.plan.storyboard,
    ...(r.board.title !== undefined && { title: r.board.title }),
    provider: r.plan.provider,
    model: r.plan.model,
    created_at: new Date(r.now).toISOString(),
    film: r.film
      ? {
          path: rel(r.film.output),
          duration: r.film.duration,
          key: r.film.key,
          mode: r.film.mode,
          up_to_date: r.film.upToDate,
        }
      : r.earlierFilm
        ? {
            path: rel(r.earlierFilm.output),
            duration: r.earlierFilm.duration,
            key: r.earlierFilm.key,
            mode: r.earlierFilm.mode,
            up_to_date: false,
            from_earlier_render: true,
          }
        : null,
    cost: { currency: "USD", film: r.plan.cost.film, spent, saved: r.plan.cost.cached },
    phases_ms: r.phases,
    shots,
    steps,
    run: r.run,
    ...(r.remote && { remote: r.remote }),
    ...soundSection(r, audio, rel),
    ...(r.exports?.length && { exports: reportExports(r.exports, (r.film ?? r.earlierFilm)?.key, rel) }),
  };
}

function soundSection(
  r: ReportInput,
  audio: (id: string) => string | undefined,
  rel: (file: string) => string,
): { sound?: ReportSound } {
  const sound = reportSound(r.board, audio, r.film?.captions?.map(rel), filmRender(r.board).loudness, rel);
  return sound ? { sound } : {};
}

// Where each shot begins in the film: the kept lengths before it, less the overlaps of transitions.
export function shotStarts(shots: Array<Pick<Shot, "duration" | "trim" | "transition">>): number[] {
  let t = 0;
  return shots.map((shot, i) => {
    if (i > 0 && shot.transition.type !== "cut") t -= shot.transition.duration;
    const start = Math.round(t * 1000) / 1000;
    t += keptSeconds(shot);
    return start;
  });
}

const shotResolution = (shot: Shot) => resolutionOf(shot.model, shot.resolution);
