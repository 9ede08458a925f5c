// A render started from the page: the pipeline's renderPlans in the background, its events out as the NDJSON
// lines of `render --json`, stopped by its own AbortController (the page's Stop) or by the studio's Ctrl-C.
import type { MediaTools } from "../media/binaries.js";
import { type EventSink, type Planned, type RenderOptions, renderPlans } from "../pipeline/index.js";
import type { RemoteChoice } from "../pipeline/remote.js";
import { paysFor, type ShotStatus } from "../plan/plan-types.js";
import type { StepProvider } from "../providers/types.js";
import { UsageError } from "../errors.js";
import { kindOf } from "../steps/registry.js";
import { count } from "../util/words.js";
import type { StudioSession } from "./session.js";

// What a display of the pipeline's events writes to (src/commands/progress.ts's DisplayStreams).
export interface DisplayOut {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  stderrRaw: (text: string) => void;
  columns: number;
  isTTY: boolean;
}

export interface RunDeps {
  // The render options of the CLI (--max-cost, --concurrency, ...); render.budget holds as always.
  options: RenderOptions;
  tools: MediaTools;
  remote?: RemoteChoice;
  // The provider's loader, made as `render` makes it (fal's key checked when it is made).
  provider: () => () => Promise<StepProvider>;
  // `render --json`'s display (commands/progress.ts ndjsonDisplay), handed in from the command layer.
  display: (out: DisplayOut) => EventSink;
  publish: (event: "progress" | "render", data: string) => void;
  // The studio's own Ctrl-C.
  signal: AbortSignal;
}

export interface RenderRun {
  stop: () => void;
  done: Promise<void>;
}

export function startRender(
  planned: Planned,
  provider: () => Promise<StepProvider>,
  deps: RunDeps,
  session: StudioSession,
  hooks: { refused?: () => Promise<unknown>; ended: () => Promise<unknown> },
): RenderRun {
  const controller = new AbortController();
  const signal = AbortSignal.any([controller.signal, deps.signal]);
  const notice = (text: string) => deps.publish("progress", JSON.stringify({ type: "notice", text }));
  const display = deps.display({
    stdout: (line) => deps.publish("progress", line),
    stderr: notice,
    stderrRaw: () => undefined,
    columns: 100,
    isTTY: false,
  });
  let spent: number | undefined;
  const sink: EventSink = (e) => {
    if (e.type === "summary") spent = e.spent;
    display(e);
  };
  session.rendering = true;
  deps.publish("render", JSON.stringify({ state: "started" }));
  void session.refresh().catch(() => undefined);
  const run = async () => {
    let ended: { ok: boolean; error?: string } = { ok: true };
    try {
      await renderPlans(
        planned,
        deps.options,
        { tools: deps.tools, provider, signal, ...(deps.remote && { remote: deps.remote }) },
        sink,
      );
    } catch (err) {
      if (err instanceof UsageError) await hooks.refused?.();
      ended = { ok: false, error: err instanceof Error ? err.message : String(err) };
    } finally {
      session.rendering = false;
      await hooks.ended().catch(() => undefined);
    }
    deps.publish(
      "render",
      JSON.stringify({ state: "ended", ...ended, ...(spent !== undefined && { cost: spent }) }),
    );
    await session.refresh().catch(() => undefined);
  };
  return { stop: () => controller.abort(), done: run() };
}

// "2 clips and 1 still": what a render would pay for, counted as the plan's table counts it.
export function spendingText(planned: Planned): string {
  const plan = planned.films[0]!.plan;
  const options = { resubmitUnconfirmed: planned.request.resubmitUnconfirmed ?? false };
  const nouns = new Map<string, number>();
  for (const step of plan.steps) {
    const takes = step.takes ?? [{ take: step.take ?? 1, status: step.status }];
    const paid = takes.filter((t) => paysFor(t.status as ShotStatus, options)).length;
    if (step.cost > 0 && paid > 0) {
      const noun = kindOf(step.kind).noun;
      nouns.set(noun, (nouns.get(noun) ?? 0) + paid);
    }
  }
  const parts = [...nouns].map(([noun, n]) => count(n, noun));
  if (parts.length === 0) return "nothing new";
  return parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}` : parts[0]!;
}
