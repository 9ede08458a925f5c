// What every render step is given: the options, the injected dependencies and where events go.
import type { CachePaths } from "../cache/layout.js";
import type { RemoteCache } from "../cache/remote/remote-cache.js";
import type { RemoteChoice } from "./remote.js";
import type { MediaTools } from "../media/binaries.js";
import type { StepOutcome } from "../steps/executor.js";
import type { StepProvider } from "../providers/types.js";
import type { Clock } from "../util/clock.js";
import type { EventSink } from "./events.js";
import type { PlanRequest } from "./plans.js";

export interface RenderOptions {
  // Never generate: use cached clips only, and name the shots that lack one.
  offline?: boolean;
  // Refuse, before any request, when the new spending would exceed this many dollars.
  maxCost?: number;
  concurrency?: number;
  timeoutMinutes?: number;
  // Make the film even when shots are missing or failed: a slate of each one's length stands in for it.
  allowMissing?: boolean;
  // Render exactly what each storyboard's lockfile names, from the cache; generate nothing (for CI).
  frozen?: boolean;
}

export interface RenderDeps {
  tools: MediaTools;
  // Loaded only when a clip must be generated, so up-to-date renders skip the provider's client entirely.
  provider: () => Promise<StepProvider>;
  // Aborted on the first Ctrl-C: nothing new is submitted; paid work in flight is collected.
  signal?: AbortSignal;
  clock?: Clock;
  // A shared cache on S3-compatible storage (--remote-cache).
  remote?: RemoteChoice;
}

export interface RenderContext {
  request: PlanRequest;
  options: RenderOptions;
  tools: MediaTools;
  provider: () => Promise<StepProvider>;
  signal: AbortSignal;
  clock: Clock;
  paths: CachePaths;
  // This render's id in the spend ledger: what it paid itself, not what a run it resumes or takes over paid.
  run: string;
  // Opened at the start of the render when RenderDeps.remote asks for one.
  remote?: RemoteCache;
  emit: EventSink;
  // The stills and frames this render made or found, for the report.
  steps: StepOutcome[];
  // Damaged clips left in place by --offline (so a later online run can still fetch them again for free).
  unusable: Set<string>;
  // A path as the user should see it: relative to the working folder when inside it.
  shown: (file: string) => string;
  // Posters still being made while the film is stitched: the report waits for them, the clips do not.
  posters?: Promise<void>;
}
