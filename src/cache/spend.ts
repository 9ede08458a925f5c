// The spend ledger: one JSON line per submit, appended before any waiting, never rewritten. What every
// storyboard has cost, across runs and machines sharing the cache.
import { appendFile, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { isMissing } from "../util/fs.js";
import type { CachePaths } from "./layout.js";

export interface SpendRecord {
  time: string;
  // The storyboard's path inside its git repository, or its file name (see util/storyboard-id.ts), so a
  // budget counts across clones and machines.
  storyboard: string;
  step: string;
  model: string;
  request_id: string;
  cost: number;
  // The submit got no answer; fal's request listing showed it was accepted (and billed).
  found_by_listing?: boolean;
  // The render that paid (a random id per run), so its report counts only what it paid itself.
  run?: string;
}

export function ledgerPath(paths: CachePaths): string {
  return path.join(paths.dir, "spend.jsonl");
}

// One write per record with O_APPEND, so records of concurrent renders never interleave.
export async function recordSpend(paths: CachePaths, record: SpendRecord): Promise<void> {
  await mkdir(paths.dir, { recursive: true });
  await appendFile(ledgerPath(paths), `${JSON.stringify(record)}\n`);
}

export async function readLedger(paths: CachePaths): Promise<SpendRecord[]> {
  let text: string;
  try {
    text = await readFile(ledgerPath(paths), "utf8");
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
  // A line cut short by a crash mid-write is skipped; every whole line counts.
  return text.split("\n").flatMap((line) => {
    if (!line.trim()) return [];
    try {
      return [JSON.parse(line) as SpendRecord];
    } catch {
      return [];
    }
  });
}

export function spentOn(ledger: SpendRecord[], storyboard: string): number {
  return ledger.filter((r) => r.storyboard === storyboard).reduce((t, r) => t + r.cost, 0);
}
