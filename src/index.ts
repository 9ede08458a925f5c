// storyreel's library API: the pipeline (storyboards -> plans -> films) and the stages it is made of.
export {
  planStoryboards,
  loadStoryboards,
  planFilms,
  renderPlans,
  providerLoader,
  type PlanRequest,
  type Planned,
  type PlannedFilm,
  type RenderOptions,
  type RenderDeps,
  type RenderResult,
  type PipelineEvent,
  type EventSink,
  type ProviderChoice,
} from "./pipeline/index.js";
export { textDisplay, ndjsonDisplay, type DisplayStreams } from "./commands/progress.js";
export { loadStoryboard, parseStoryboard, type LoadedStoryboard } from "./storyboard/load.js";
export { validateStoryboard, type ValidateOptions } from "./storyboard/validate.js";
export type { Storyboard, Shot, ImageRef, StoryboardDoc, ShotDoc } from "./storyboard/types.js";
export { planRender, PLAN_VERSION, type Plan, type PlannedShot, type PlanOptions } from "./plan/plan.js";
export { formatPlan } from "./commands/plan-format.js";
export { clipKey, keyMaterial, KEY_FORMAT, type ProviderId } from "./plan/key.js";
export { canonicalJson } from "./util/hash.js";
export { videoModels, findFamily, shippedFamilies, DEFAULT_MODEL } from "./models/registry.js";
export { modelInput, shotCost } from "./storyboard/model-input.js";
export type { ModelSpec } from "./models/types.js";
export { readCacheIndex, cachePaths, defaultCacheDir, type CacheIndex } from "./cache/layout.js";
export { findMediaTools, type MediaTools } from "./media/binaries.js";
export {
  StoryreelError,
  UsageError,
  StoryboardError,
  RunError,
  InterruptedError,
  ProviderError,
  formatProblem,
  type Problem,
} from "./errors.js";
export { runCli, EXIT } from "./cli.js";
export type { CliContext } from "./commands/context.js";
