// `spend --reconcile`: the spend ledger against fal's request listing. Names what fal lists that the ledger
// lacks (another tool on the same key, or a submit storyreel lost) and what the ledger has that fal does not
// list (not ended yet, the listing's lag, or a record of a request fal never had).
import { shippedPasses } from "../models/passes.js";
import { type JournalEntry, readJournal } from "../cache/journal.js";
import type { CachePaths } from "../cache/layout.js";
import { readLedger, type SpendRecord } from "../project/spend-ledger.js";
import { audioModelRegistry } from "../models/audio-registry.js";
import { imageModelRegistry } from "../models/image-registry.js";
import { videoEndpoints } from "../models/registry.js";
import { priceOfInput } from "../plan/price-input.js";
import { WINDOW_BEFORE_MS } from "../providers/fal/find-submit.js";
import type { ListedRequest, RequestListing } from "../providers/fal/request-listing.js";
import { listIfExists } from "../util/fs.js";

export interface FalOnly {
  request_id: string;
  endpoint: string;
  // When fal says it was sent (else ended).
  time: string;
  // Dollars by the model registry and the request's input; absent when the registry cannot price it.
  cost?: number;
}

export interface LedgerOnly {
  request_id: string;
  endpoint: string;
  time: string;
  storyboard: string;
  step: string;
  cost: number;
  // Still journaled: in flight or not collected yet, so the listing may not show it until it ends.
  journaled?: boolean;
}

export interface Reconciliation {
  version: 1;
  since: string;
  until: string;
  endpoints: string[];
  fal_only: FalOnly[];
  ledger_only: LedgerOnly[];
  matched: number;
}

const DAY_MS = 86_400_000;

// `since`: the window's start (ms); default just before the earliest ledger record, else a day ago.
export async function reconcile(
  paths: CachePaths,
  listing: RequestListing,
  o: { since?: number; now: number },
): Promise<Reconciliation> {
  const ledger = await readLedger(paths);
  const times = ledger.map((r) => Date.parse(r.time)).filter((t) => !Number.isNaN(t));
  // A record is written just after its submit, so the default window opens a little before the first one.
  const since = o.since ?? (times.length ? Math.min(...times) - WINDOW_BEFORE_MS : o.now - DAY_MS);
  const inWindow = ledger.filter((r) => {
    const t = Date.parse(r.time);
    return !Number.isNaN(t) && t >= since && t <= o.now;
  });
  const journal = await journalEntries(paths);
  const endpoints = [
    ...new Set([
      ...inWindow.map((r) => r.model),
      ...journal.map((e) => e.endpoint),
      ...videoEndpoints(),
      ...imageModelRegistry().keys(),
      ...audioModelRegistry().keys(),
      ...shippedPasses().map((p) => p.endpoint),
    ]),
  ]
    .filter((e) => e !== "")
    .sort();
  const listed = new Map<string, { item: ListedRequest; endpoint: string }>();
  // A request sent just before the window can be recorded inside it, so fal is asked from a little earlier.
  const start = new Date(since - WINDOW_BEFORE_MS).toISOString();
  const end = new Date(o.now).toISOString();
  for (const endpoint of endpoints)
    for (const item of await listing.list({ endpoint, start, end, payloads: true }))
      if (typeof item.request_id === "string") listed.set(item.request_id, { item, endpoint });
  // Every ledger record counts for matching, so a request recorded before the window is never named as missing.
  const inLedger = new Set(ledger.map((r) => r.request_id));
  const falOnly = [...listed.values()]
    .filter(({ item }) => !inLedger.has(item.request_id) && !(Date.parse(sentAt(item)) < since))
    .map(({ item, endpoint }) => falOnlyRow(item, endpoint));
  const journaled = new Set(journal.map((e) => e.request_id));
  const ledgerOnly = inWindow
    .filter((r) => !listed.has(r.request_id))
    .map((r) => ledgerOnlyRow(r, journaled.has(r.request_id)));
  return {
    version: 1,
    since: new Date(since).toISOString(),
    until: end,
    endpoints,
    fal_only: falOnly.sort(byTime),
    ledger_only: ledgerOnly.sort(byTime),
    matched: inWindow.length - ledgerOnly.length,
  };
}

function falOnlyRow(item: ListedRequest, endpoint: string): FalOnly {
  const cost = priceOfInput(endpoint, item.json_input);
  return {
    request_id: item.request_id,
    endpoint: item.endpoint_id ?? endpoint,
    time: sentAt(item),
    ...(cost !== undefined && { cost }),
  };
}

function ledgerOnlyRow(r: SpendRecord, journaled: boolean): LedgerOnly {
  return {
    request_id: r.request_id,
    endpoint: r.model,
    time: r.time,
    storyboard: r.storyboard,
    step: r.step,
    cost: r.cost,
    ...(journaled && { journaled }),
  };
}

function sentAt(item: ListedRequest): string {
  return item.sent_at ?? item.ended_at ?? "";
}

function byTime(a: { time: string; request_id: string }, b: { time: string; request_id: string }): number {
  return a.time.localeCompare(b.time) || a.request_id.localeCompare(b.request_id);
}

async function journalEntries(paths: CachePaths): Promise<JournalEntry[]> {
  const keys = (await listIfExists(`${paths.dir}/journal`))
    .filter((n) => n.endsWith(".json") && !n.startsWith("."))
    .map((n) => n.slice(0, -5));
  const entries = await Promise.all(keys.map((k) => readJournal(paths, k)));
  return entries.filter((e) => e !== undefined);
}
