// Reports are written after every render that got as far as a plan, failed shots included.
import { ofStoryboard, readLedger } from "../project/spend-ledger.js";
import type { ClipOutcome } from "../steps/executor.js";
import type { RunOutcome } from "../report/report.js";
import { writeReport } from "../report/write.js";
import type { StitchResult } from "../stitch/stitch.js";
import { storyboardIdentity } from "../util/storyboard-id.js";
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
  // Money is what this run paid, by the ledger: not a resumed run's requests nor a taken-over claim's.
  const paid = (await readLedger(ctx.paths)).filter((r) => r.run === ctx.run);
  for (const { board, plan, output, lock } of films) {
    const film = stitched.find((f) => f.output === output);
    const now = ctx.clock.now();
    const report = await writeReport({
      board,
      plan,
      outcomes,
      steps: ctx.steps,
      // A shot by its id, a still as "still:NAME"; a pick counts for the version it was made for (its key).
      picked: (id) => {
        const step = id.includes(":") ? id : `shot:${id}`;
        const key = plan.steps.find((s) => s.id === step)?.key;
        return lock?.steps.some((s) => s.id === step && s.picked && s.key === key) === true;
      },
      paid: paid.filter((r) => ofStoryboard(r, storyboardIdentity(board.path))),
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
