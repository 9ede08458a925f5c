// The three ways a render's events are shown: a live block on a terminal, timestamped lines in CI, NDJSON.
import path from "node:path";
import type { ShotEvent } from "../steps/executor.js";
import { dollars } from "../util/money.js";
import { formatSummary } from "../report/summary.js";
import type { EventSink, PipelineEvent } from "../pipeline/events.js";
import { count } from "../util/words.js";

export interface DisplayStreams {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  // Raw writes (no newline added) and the width, for the live display on a terminal.
  stderrRaw: (text: string) => void;
  columns: number;
  isTTY: boolean;
}

const FINAL = new Set(["done", "cached", "failed", "skipped"]);

// --json: one JSON object per line on stdout; sentences meant for people still go to stderr.
export function ndjsonDisplay(out: DisplayStreams): EventSink {
  return (e) => {
    switch (e.type) {
      case "start":
        return;
      case "notice":
        return out.stderr(e.text);
      case "shot":
        return out.stdout(JSON.stringify({ ...e, time: new Date(e.time).toISOString() }));
      case "stitch":
        return out.stdout(JSON.stringify({ type: "stitch", film: e.film, percent: Math.round(e.percent) }));
      case "film":
        return out.stdout(JSON.stringify({ type: "film", ...e.film, output: e.output }));
      case "summary":
        return out.stdout(JSON.stringify({ ...e, lines: formatSummary(e) }));
      case "report":
        return out.stdout(JSON.stringify(e));
    }
  };
}

// Text for people: a live block on a terminal, otherwise one timestamped line per change.
export function textDisplay(out: DisplayStreams, now = () => Date.now()): EventSink {
  let shots: EventSink | undefined;
  let stitchStep = -1;
  const closeShots = () => {
    if (shots) shots({ type: "notice", text: "" });
    shots = undefined;
  };
  return (e: PipelineEvent) => {
    switch (e.type) {
      case "start":
        out.stderr(
          `Rendering ${e.storyboards.join(", ")} with ${e.provider}: ${makingText(e)} to generate (${dollars(e.cost)}), cache ${e.cache}`,
        );
        shots = out.isTTY ? ttyShots(out.stderrRaw, out.columns, e, now) : plainShots(out.stderr);
        return;
      case "shot":
        return shots?.(e);
      case "notice":
        return out.stderr(e.text);
      case "summary":
        closeShots();
        return out.stderr(formatSummary(e).join("\n"));
      case "stitch": {
        const step = Math.floor(e.percent / (out.isTTY ? 1 : 25));
        if (step === stitchStep) return;
        stitchStep = step;
        if (out.isTTY) return out.stderrRaw(`\r  stitching ${e.film}: ${Math.round(e.percent)}%\x1b[K`);
        return out.stderr(`stitching ${e.film}: ${Math.round(e.percent)}%`);
      }
      case "film": {
        if (out.isTTY && stitchStep >= 0) out.stderrRaw("\r\x1b[K");
        stitchStep = -1;
        const f = e.film;
        // What a re-stitch cost: the pieces encoded this time, of all the film is joined from.
        const pieces = f.segments
          ? `; ${f.segments.made} of ${count(f.segments.made + f.segments.reused, "piece")} encoded`
          : "";
        const how = f.mode === "copy" ? "joined by stream copy" : `normalised${pieces}`;
        return out.stdout(
          f.upToDate
            ? `${e.output} is up to date (${count(f.clips.length, "shot")}, ${f.duration.toFixed(1)} s)`
            : `${e.output}: ${f.duration.toFixed(1)} s, ${count(f.clips.length, "shot")} (${how})`,
        );
      }
      case "report":
        return out.stderr(`Report: ${e.html} (and ${path.basename(e.json)})`);
    }
  };
}

// One line per change of state (or of the model's latest log line), for logs that are read later.
function plainShots(write: (line: string) => void): EventSink {
  const last = new Map<string, string>();
  return (e) => {
    if (e.type !== "shot") return;
    const text = describe(e);
    if (last.get(e.shot) === text) return;
    last.set(e.shot, text);
    write(`[${new Date(e.time).toISOString().slice(11, 19)}] ${e.shot}: ${text}`);
  };
}

// A live block on a terminal: a line per active shot plus an overall bar with spent and estimated cost.
function ttyShots(
  write: (text: string) => void,
  columns: number,
  total: { clips: number; cost: number },
  now: () => number,
): EventSink {
  const shots = new Map<string, { event: ShotEvent; since: number }>();
  let spent = 0;
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    timer = undefined;
    const width = Math.max(40, columns - 1);
    const all = [...shots.values()];
    const active = all.filter((s) => !FINAL.has(s.event.state) && s.event.state !== "queued");
    const queued = all.filter((s) => s.event.state === "queued").length;
    const finished = all.filter((s) => FINAL.has(s.event.state)).length;
    const lines = active.map(({ event, since }) =>
      `  ${event.shot.padEnd(16)} ${describe(event)}  ${Math.round((now() - since) / 1000)}s`.slice(0, width),
    );
    const filled = Math.round((finished / Math.max(1, total.clips)) * 24);
    const bar = `[${"#".repeat(filled)}${".".repeat(24 - filled)}]`;
    const waiting = queued ? `, ${queued} waiting` : "";
    lines.push(
      `  ${bar} ${finished}/${total.clips} clips${waiting}  spent ${dollars(spent)} of ${dollars(total.cost)} estimated`,
    );
    write(`${drawn ? `\x1b[${drawn}F` : ""}${lines.map((l) => `\x1b[2K${l}\n`).join("")}\x1b[J`);
    drawn = lines.length;
  };
  return (e) => {
    if (e.type !== "shot") {
      if (timer) clearTimeout(timer);
      draw();
      return;
    }
    const previous = shots.get(e.shot);
    shots.set(e.shot, { event: e, since: previous?.since ?? e.time });
    if (e.state === "done") spent += e.cost ?? 0;
    if (FINAL.has(e.state)) {
      write(`${drawn ? `\x1b[${drawn}F\x1b[J` : ""}  ${e.shot}: ${describe(e)}\n`);
      drawn = 0;
    }
    timer ??= setTimeout(draw, 100);
  };
}

function describe(e: ShotEvent): string {
  const extra = [e.detail, e.log && `"${e.log}"`, e.error].filter(Boolean).join(" ");
  const state = e.state.replace("_", " ");
  return extra ? `${state}: ${extra}` : state;
}

// "3 clips", "2 clips and 1 still", "1 clip, 1 still, 2 sounds and 2 passes".
function makingText(e: { clips: number; stills?: number; sounds?: number; passes?: number }): string {
  const parts = [
    count(e.clips - (e.stills ?? 0) - (e.sounds ?? 0) - (e.passes ?? 0), "clip"),
    e.stills ? count(e.stills, "still") : "",
    e.sounds ? count(e.sounds, "sound") : "",
    e.passes ? count(e.passes, "pass", "passes") : "",
  ].filter(Boolean);
  return parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}` : parts[0]!;
}
