// The pipeline: the glue between the commands (or a library caller) and the stages.
export {
  planStoryboards,
  loadStoryboards,
  planFilms,
  type PlanRequest,
  type Planned,
  type PlannedFilm,
} from "./plans.js";
export { renderPlans, type RenderResult } from "./render.js";
export type { RenderOptions, RenderDeps } from "./context.js";
export type { PipelineEvent, EventSink } from "./events.js";
export { providerLoader, type ProviderChoice } from "./provider.js";
export { addTakes, pickTake, findStep, retakeTurn, type StepRef } from "./takes.js";
