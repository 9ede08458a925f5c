// Progress while clips generate: live lines on a terminal, timestamped lines in CI, NDJSON with --json.
import type { ShotEvent } from "../generate/generate.js";
import { dollars } from "../plan/format.js";

export interface ProgressSink {
  event(e: ShotEvent): void;
  close(): void;
}

const FINAL = new Set(["done", "cached", "failed", "skipped"]);

export function ndjsonProgress(write: (line: string) => void): ProgressSink {
  return {
    event: (e) => write(JSON.stringify({ type: "shot", ...e, time: new Date(e.time).toISOString() })),
    close: () => undefined,
  };
}

// One line per change of state (or of the model's latest log line), for logs that are read later.
export function plainProgress(write: (line: string) => void): ProgressSink {
  const last = new Map<string, string>();
  return {
    event(e) {
      const text = describe(e);
      if (last.get(e.shot) === text) return;
      last.set(e.shot, text);
      write(`[${new Date(e.time).toISOString().slice(11, 19)}] ${e.shot}: ${text}`);
    },
    close: () => undefined,
  };
}

// A live block on a terminal: a line per active shot plus an overall bar with spent and estimated cost.
export function ttyProgress(
  write: (text: string) => void,
  columns: number,
  total: { clips: number; cost: number },
  now = () => Date.now(),
): ProgressSink {
  const shots = new Map<string, { event: ShotEvent; since: number }>();
  let spent = 0;
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    timer = undefined;
    const width = Math.max(40, columns - 1);
    const active = [...shots.values()].filter((s) => !FINAL.has(s.event.state) && s.event.state !== "queued");
    const queued = [...shots.values()].filter((s) => s.event.state === "queued").length;
    const finished = [...shots.values()].filter((s) => FINAL.has(s.event.state)).length;
    const lines = active.map(({ event, since }) =>
      `  ${event.shot.padEnd(16)} ${describe(event)}  ${Math.round((now() - since) / 1000)}s`.slice(0, width),
    );
    const filled = Math.round((finished / Math.max(1, total.clips)) * 24);
    lines.push(
      `  [${"#".repeat(filled)}${".".repeat(24 - filled)}] ${finished}/${total.clips} clips${queued ? `, ${queued} waiting` : ""}  spent ${dollars(spent)} of ${dollars(total.cost)} estimated`,
    );
    write(`${drawn ? `\x1b[${drawn}F` : ""}${lines.map((l) => `\x1b[2K${l}\n`).join("")}\x1b[J`);
    drawn = lines.length;
  };
  return {
    event(e) {
      const previous = shots.get(e.shot);
      shots.set(e.shot, { event: e, since: previous?.since ?? e.time });
      if (e.state === "done") spent += e.cost ?? 0;
      if (FINAL.has(e.state)) {
        write(`${drawn ? `\x1b[${drawn}F\x1b[J` : ""}  ${e.shot}: ${describe(e)}\n`);
        drawn = 0;
      }
      timer ??= setTimeout(draw, 100);
    },
    close() {
      if (timer) clearTimeout(timer);
      draw();
    },
  };
}

function describe(e: ShotEvent): string {
  const extra = [e.detail, e.log && `"${e.log}"`, e.error].filter(Boolean).join(" ");
  const state = e.state.replace("_", " ");
  return extra ? `${state}: ${extra}` : state;
}
