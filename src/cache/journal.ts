// The submission journal: a request id is on disk before storyreel waits for it, so a killed run reattaches instead of paying again.
import { readJson, writeJsonAtomic, writeJsonAtomicSync } from "./atomic.js";
import type { CachePaths } from "./layout.js";
import { existsNow, removeIfExists } from "../util/fs.js";

export interface JournalEntry {
  version: 1;
  key: string;
  shot: string;
  endpoint: string;
  // "submitting": the submit may have reached fal but its id was never recorded.
  state: "submitting" | "submitted";
  request_id?: string;
  // The input as sent (with uploaded image URLs), kept for the clip's sidecar.
  input: Record<string, unknown>;
  // What the plan priced the submit at: a pass's input (uploaded URLs) cannot be priced from the input alone.
  cost?: number;
  submitted_at: string;
  // Whose submit it is, as the spend ledger names it (so a record made from this entry counts for its budget).
  storyboard?: string;
  repo?: string;
  // The submit was counted in this bucket's spend ledger before it was sent (see pipeline/budget.ts).
  spent_in?: { bucket: string; ref: string };
}

// A journal file that is there but unreadable (a power cut while it was written) counts as an unconfirmed
// submit: it was written just before one, and guessing "nothing was sent" could pay twice.
export async function readJournal(paths: CachePaths, key: string): Promise<JournalEntry | undefined> {
  // Most shots have no entry, and one stat says so.
  if (!existsNow(paths.journal(key))) return undefined;
  const entry = await readJson<JournalEntry>(paths.journal(key));
  if (entry?.state === "submitted" || entry?.state === "submitting") return entry;
  if (!existsNow(paths.journal(key))) return undefined;
  return { version: 1, key, shot: "", endpoint: "", state: "submitting", input: {}, submitted_at: "" };
}

// The request id ("submitted") is fsynced; the intent before a submit only needs to survive a killed process.
// The intent is written synchronously: it is tiny, and it is the last step before a submit, which must not
// wait behind other shots' downloads for the event loop's turns (about 40 ms at 8 shots finishing at once).
export async function writeJournal(paths: CachePaths, entry: JournalEntry): Promise<void> {
  if (entry.state === "submitting") writeJsonAtomicSync(paths.journal(entry.key), entry);
  else await writeJsonAtomic(paths.journal(entry.key), entry, { durable: true });
}

export async function clearJournal(paths: CachePaths, key: string): Promise<void> {
  await removeIfExists(paths.journal(key));
}
