// The contact sheet's posters made while fal works: each clip the films show gets its poster once it is on disk,
// eight to an ffmpeg process, one process at a time, so the report after the film finds them made (it makes
// only what is missing). Before, they were made after the film, in batches one after another. A batch starts
// when no clip has finished for a moment (at most a while after the first waiting one), not at a wave's end,
// where starting ffmpeg (about 6 ms of this thread) would hold back the submits that keep fal busy.
import { outputFile } from "../cache/artifacts/index.js";
import type { CachePaths } from "../cache/layout.js";
import type { MediaTools } from "../media/binaries.js";
import { makePosters, type PosterJob } from "../report/posters.js";
import { filmFiles } from "../util/output-files.js";
import path from "node:path";
import type { PlannedFilm } from "./plans.js";

const BATCH = 8;
const QUIET_MS = 100;
const MOST_MS = 500;

export interface EarlyPosters {
  // A step finished: its key's poster is made, when a film shows that clip.
  done(key: string): void;
  // Waits for what was started (a failure only means the report makes that poster itself).
  settled(): Promise<void>;
}

export function earlyPosters(films: PlannedFilm[], paths: CachePaths, tools: MediaTools): EarlyPosters {
  const wanted = new Map<string, PosterJob>();
  for (const { plan, output } of films) {
    const dir = filmFiles(output).posters;
    const shown = plan.shots.flatMap((s) => [
      s.key,
      ...(s.takes ?? []).map((t) => t.key),
      ...(s.finished ? [s.finished] : []),
    ]);
    for (const key of shown)
      wanted.set(key, {
        clip: outputFile(paths, "clip", key),
        poster: path.join(dir, `${key.slice(0, 16)}.jpg`),
      });
  }
  const queue: PosterJob[] = [];
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  let timer: NodeJS.Timeout | undefined;
  let firstWaiting = 0;
  const drain = async () => {
    busy = true;
    while (queue.length > 0) await makePosters(tools, queue.splice(0, BATCH)).catch(() => undefined);
    busy = false;
  };
  const start = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!busy && queue.length > 0) running = drain();
  };
  return {
    done(key) {
      const job = wanted.get(key);
      if (!job) return;
      wanted.delete(key);
      if (queue.length === 0) firstWaiting = Date.now();
      queue.push(job);
      if (busy) return;
      clearTimeout(timer);
      timer = setTimeout(start, Math.max(0, Math.min(QUIET_MS, firstWaiting + MOST_MS - Date.now())));
      timer.unref();
    },
    settled: () => {
      start();
      return running;
    },
  };
}
