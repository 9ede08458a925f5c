// Reports are written after every render that got as far as a plan, failed shots included.
import type { ClipOutcome } from "../generate/generate.js";
import type { RunOutcome } from "../report/report.js";
import { writeReport } from "../report/write.js";
import type { StitchResult } from "../stitch/stitch.js";
import type { RenderContext } from "./context.js";
import type { PlannedFilm } from "./plans.js";

export interface WrittenReport {
  json: string;
  html: string;
}

export async function writeReports(
  films: PlannedFilm[],
  outcomes: ClipOutcome[],
  stitched: StitchResult[],
  phases: Record<string, number>,
  started: number,
  run: RunOutcome,
  ctx: RenderContext,
): Promise<WrittenReport[]> {
  const t0 = ctx.clock.now();
  const written: WrittenReport[] = [];
  for (const { board, plan, output, lock } of films) {
    const film = stitched.find((f) => f.output === output);
    const now = ctx.clock.now();
    const report = await writeReport({
      board,
      plan,
      outcomes,
      steps: ctx.steps,
      picked: (id) => lock?.steps.some((s) => s.id === `shot:${id}` && s.picked) === true,
      ...(film && { film }),
      output,
      paths: ctx.paths,
      tools: ctx.tools,
      phases: { ...phases, report_ms: now - t0, total_ms: now - started },
      run,
      now,
      ...(ctx.remote && { remote: ctx.remote.summary() }),
    });
    written.push({ json: report.json, html: report.html });
    ctx.emit({ type: "report", json: ctx.shown(report.json), html: ctx.shown(report.html) });
  }
  return written;
}
