// A journal entry whose output is in the cache, intact, was left by a run killed between writing the sidecar
// and removing the entry: that request is over, so the entry goes (else `cache gc` keeps it "in flight" forever).
import path from "node:path";
import { listIfExists } from "../util/fs.js";
import { clearJournal } from "./journal.js";
import type { CachePaths } from "./layout.js";
import { SIDECAR_KINDS, verified } from "./artifacts/index.js";

// Whether the cache holds this key's output (clip, still or sound) with its bytes matching its sidecar.
export async function intactOutput(paths: CachePaths, key: string): Promise<boolean> {
  for (const kind of SIDECAR_KINDS) if ((await verified(paths, kind, key)).ok) return true;
  return false;
}

// Removes the journal entries of keys whose output is cached and verified (only among `cached`, when given:
// the keys an index already counts as cached, so the common case hashes nothing). Returns the keys cleared.
export async function clearSettledJournals(paths: CachePaths, cached?: Set<string>): Promise<string[]> {
  const keys = (await listIfExists(path.join(paths.dir, "journal")))
    .filter((n) => /^[0-9a-f]{64}\.json$/.test(n))
    .map((n) => n.slice(0, -5));
  const cleared: string[] = [];
  for (const key of keys) {
    if (cached && !cached.has(key)) continue;
    if (!(await intactOutput(paths, key))) continue;
    await clearJournal(paths, key);
    cleared.push(key);
  }
  return cleared;
}
