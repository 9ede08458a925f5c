// How a render's fal requests were seen to finish: over fal's status stream, or by polling (a proxy that does
// not pass server-sent events). Kept in the cache folder so `storyreel doctor` can say which the last render used.
import path from "node:path";
import { readJson, writeJsonAtomic } from "../cache/atomic.js";
import type { StepProvider } from "../providers/types.js";
import type { Clock } from "../util/clock.js";

export interface FalWaits {
  at: string;
  stream: number;
  polling: number;
}

const fileIn = (cacheDir: string) => path.join(cacheDir, "fal-waits.json");

export async function recordWaits(provider: StepProvider, cacheDir: string, clock: Clock): Promise<void> {
  const waits = provider.waits?.();
  if (!waits || waits.stream + waits.polling === 0) return;
  // A note for doctor: failing to write it must not fail a render that paid for its clips.
  await writeJsonAtomic(fileIn(cacheDir), { at: new Date(clock.now()).toISOString(), ...waits }).catch(
    () => undefined,
  );
}

// "the last render (at …) waited on fal's status stream for 24 requests", or undefined when none is recorded.
export async function lastWaitsText(cacheDir: string): Promise<string | undefined> {
  const w = await readJson<FalWaits>(fileIn(cacheDir)).catch(() => undefined);
  if (!w) return undefined;
  const how =
    w.polling === 0
      ? `fal's status stream (all ${w.stream} requests)`
      : w.stream === 0
        ? `polling (all ${w.polling} requests: no status stream came through; a proxy that does not pass server-sent events?)`
        : `fal's status stream for ${w.stream} requests and polling for ${w.polling}`;
  return `the last render (${w.at}) waited on ${how}`;
}
