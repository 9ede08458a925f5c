// storyreel's library API: the pipeline stages, usable without the CLI.
export { loadStoryboard, parseStoryboard, type LoadedStoryboard } from "./storyboard/load.js";
export { validateStoryboard, type ValidateOptions } from "./storyboard/validate.js";
export type { Storyboard, Shot, ImageRef, StoryboardDoc, ShotDoc } from "./storyboard/types.js";
export {
  planRender,
  PLAN_VERSION,
  type Plan,
  type PlannedShot,
  type CacheIndex,
  type PlanOptions,
} from "./plan/plan.js";
export { formatPlan } from "./plan/format.js";
export { clipKey, keyMaterial, canonicalJson, KEY_FORMAT, type ProviderId } from "./plan/key.js";
export { modelRegistry, findModel, DEFAULT_MODEL } from "./models/registry.js";
export { modelInput, shotCost } from "./models/input.js";
export type { ModelSpec } from "./models/types.js";
export { readCacheIndex, cachePaths, defaultCacheDir } from "./cache/layout.js";
export {
  StoryreelError,
  UsageError,
  StoryboardError,
  RunError,
  InterruptedError,
  formatProblem,
  type Problem,
} from "./errors.js";
export { runCli } from "./cli.js";
