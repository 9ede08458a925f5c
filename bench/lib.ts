// Small helpers shared by the benchmarks and the soak harness: timing, medians, tables, result files.
// (The CLI runner, fake fal server and clip maker are in testkit/, shared with the tests.)
import { execa } from "execa";
import { cpus, totalmem } from "node:os";

// One benchmark's row: what was measured, against what anchor, and whether its target was met.
export interface Result {
  id: string;
  what: string;
  value: string;
  anchor: string;
  target: string;
  met: boolean;
  detail?: Record<string, unknown>;
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await run();
  return { ms: performance.now() - t0, value };
}

// Runs a and b alternately `n` times, so drift on a shared machine hits both alike.
export async function sideBySide(
  n: number,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
): Promise<{ a: number[]; b: number[] }> {
  const out = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < n; i++) {
    out.a.push((await timed(a)).ms);
    out.b.push((await timed(b)).ms);
  }
  return out;
}

export function table(rows: Array<Record<string, string>>): string {
  const cols = Object.keys(rows[0] ?? {});
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [
    line(cols),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map((r) => line(cols.map((c) => r[c] ?? ""))),
  ].join("\n");
}

export async function machine(): Promise<Record<string, string>> {
  const ffmpeg =
    (await execa("ffmpeg", ["-hide_banner", "-version"], { reject: false })).stdout.split("\n")[0] ?? "none";
  return {
    date: new Date().toISOString(),
    cpu: `${cpus().length} x ${cpus()[0]?.model ?? "unknown"}`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    ffmpeg,
  };
}
