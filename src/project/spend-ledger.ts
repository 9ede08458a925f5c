// The spend ledger: one JSON line per submit, appended before any waiting, never rewritten. What every
// storyboard has cost, across runs and machines sharing the cache.
import { appendFile, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { isMissing } from "../util/fs.js";
import type { StoryboardIdentity } from "../util/storyboard-id.js";
import type { CachePaths } from "../cache/layout.js";

export interface SpendRecord {
  time: string;
  // The storyboard's path inside its git repository, or its file name, and the repository's identity (see
  // util/storyboard-id.ts), so a budget counts across clones and machines. Records before `repo` lack it.
  storyboard: string;
  repo?: string;
  step: string;
  model: string;
  request_id: string;
  // The step's cache key: a look-up for a lost submit of this key may claim this request, no other may.
  key?: string;
  cost: number;
  // The submit got no answer; fal's request listing showed it was accepted (and billed).
  found_by_listing?: boolean;
  // The render that paid (a random id per run), so its report counts only what it paid itself.
  run?: string;
  // Also counted in this remote cache's ledger (cache/remote/spend-ledger.ts), so a budget counts it once.
  bucket?: string;
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

// A record without `repo` (written before storyreel knew repositories) counts for every storyboard of its path:
// never less than was spent.
export function ofStoryboard(r: SpendRecord, id: StoryboardIdentity): boolean {
  return r.storyboard === id.path && (!r.repo || !id.repo || r.repo === id.repo);
}

// What the ledger says a storyboard spent; records also in `exceptBucket`'s ledger are counted there instead.
export function spentOn(ledger: SpendRecord[], id: StoryboardIdentity, exceptBucket?: string): number {
  return ledger
    .filter((r) => ofStoryboard(r, id) && (exceptBucket === undefined || r.bucket !== exceptBucket))
    .reduce((t, r) => t + r.cost, 0);
}

// Requests the ledger gives to another step than `key` (or to no step: records from before they named one): a
// look-up for a lost submit of `key` never takes one of them.
export function othersRequests(ledger: SpendRecord[], key: string): string[] {
  return ledger.filter((r) => r.key !== key).map((r) => r.request_id);
}
