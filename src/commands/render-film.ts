// After the clips: check them, then stitch each storyboard's film (or say it is up to date).
import path from "node:path";
import pLimit from "p-limit";
import type { CliContext } from "../cli/context.js";
import type { CachePaths } from "../cache/layout.js";
import { repairFromSource } from "../cache/repair.js";
import { evictClip, readSidecar, verifyClip } from "../cache/store.js";
import type { MediaTools } from "../media/binaries.js";
import { detectCapabilities } from "../media/capabilities.js";
import { probeMedia } from "../media/probe.js";
import type { Plan } from "../plan/plan.js";
import type { StitchClip } from "../stitch/profile.js";
import { stitchFilm, type StitchResult } from "../stitch/stitch.js";
import { filmKey, isUpToDate, type FilmRecord } from "../stitch/film.js";
import type { Storyboard } from "../storyboard/types.js";

export interface FilmJob {
  plan: Plan;
  board: Storyboard;
  output: string;
  // The film key comes from the storyboard alone, so an up-to-date film needs no probing, hashing or ffmpeg.
  key: string;
  current?: FilmRecord;
}

// Each storyboard's film, with its key and its record when the film on disk is already current.
export async function filmJobs(plans: Plan[], boards: Storyboard[], cwd: string): Promise<FilmJob[]> {
  return Promise.all(
    plans.map(async (plan, i) => {
      const board = boards[i]!;
      const output = path.resolve(cwd, plan.output);
      const key = filmKey(clipShapes(plan, board), board.render);
      const current = await isUpToDate(output, key);
      return { plan, board, output, key, ...(current && { current }) };
    }),
  );
}

// Shots whose cached clip is missing or whose bytes no longer match their sidecar. Each is fetched again
// from the provider's URL when that gives back the same bytes (free); otherwise it is evicted.
// Shots left out by --only are not looked at: the film step names those.
export async function findBadClips(
  jobs: FilmJob[],
  paths: CachePaths,
  options: { repair: boolean; onRepaired: (shot: string) => void },
): Promise<Array<{ shot: string; key: string; why: string }>> {
  const shots = jobs
    .filter((job) => !job.current)
    .flatMap((job) => job.plan.shots.filter((s) => s.status !== "skipped"));
  const limit = pLimit(4);
  const checks = new Map(shots.map((s) => [s.key, limit(() => verifyClip(paths, s.key))]));
  const bad: Array<{ shot: string; key: string; why: string }> = [];
  for (const s of shots) {
    const result = await checks.get(s.key)!;
    if (!result.ok) bad.push({ shot: s.id, key: s.key, why: result.why });
  }
  const repaired = new Set<string>();
  for (const key of new Set(bad.map((b) => b.key))) {
    if (options.repair && (await repairFromSource(paths, key))) repaired.add(key);
    else await evictClip(paths, key);
  }
  for (const b of bad) if (repaired.has(b.key)) options.onRepaired(b.shot);
  return bad.filter((b) => !repaired.has(b.key));
}

export async function stitchAll(
  jobs: FilmJob[],
  paths: CachePaths,
  tools: MediaTools,
  ctx: CliContext,
  progress: (film: string, percent: number) => void,
): Promise<StitchResult[]> {
  const results: StitchResult[] = [];
  for (const { plan, board, output, key, current } of jobs) {
    if (current) {
      results.push({ ...current, upToDate: true });
      continue;
    }
    const clips = await stitchClips(plan, board, paths, tools);
    const options = {
      clips,
      render: board.render,
      output,
      tmpDir: paths.tmp,
      segmentDir: paths.segments,
      tools,
      capabilities: () => detectCapabilities(tools.ffmpeg),
      onProgress: (p: number) => progress(plan.output, p),
      signal: ctx.signal,
    };
    results.push({ ...(await stitchFilm(options, key, Date.now)), upToDate: false });
  }
  return results;
}

function clipShapes(plan: Plan, board: Storyboard): Array<Pick<StitchClip, "key" | "trim" | "transition">> {
  return plan.shots.map((s) => {
    const shot = board.shots[s.index]!;
    return { key: s.key, transition: shot.transition, ...(shot.trim && { trim: shot.trim }) };
  });
}

async function stitchClips(
  plan: Plan,
  board: Storyboard,
  paths: CachePaths,
  tools: MediaTools,
): Promise<StitchClip[]> {
  const shapes = clipShapes(plan, board);
  return Promise.all(
    plan.shots.map(async (s, i) => {
      const sidecar = await readSidecar(paths, s.key);
      const media = sidecar?.media ?? (await probeMedia(tools.ffprobe, paths.clip(s.key)));
      return { shot: s.id, file: paths.clip(s.key), media, ...shapes[i]! };
    }),
  );
}
