// `cache forget` of an unanswered submit (journaled "submitting", no request id): first a short look in fal's
// request listing, as a render would look. Found, the request is journaled and in the ledger instead of
// forgotten, so the next render collects it rather than paying for it again.
import type { JournalEntry } from "../cache/journal.js";
import type { CachePaths } from "../cache/layout.js";
import { othersRequests, readLedger } from "../project/spend-ledger.js";
import { priceOfInput } from "../plan/price-input.js";
import { findUnanswered, type Lookup } from "../providers/fal/find-submit.js";
import type { RequestListing } from "../providers/fal/request-listing.js";
import { journalFound } from "../providers/fal/unanswered.js";
import type { Clock } from "../util/clock.js";

export interface ForgetLookupOptions {
  listing: RequestListing;
  clock: Clock;
  // An interactive command: a few quick looks within this long, not a render's --timeout.
  withinMs: number;
  firstWaitMs: number;
  stop?: AbortSignal;
}

export async function lookUpBeforeForgetting(
  paths: CachePaths,
  entry: JournalEntry,
  o: ForgetLookupOptions,
): Promise<Lookup> {
  // A request the ledger gives to another step is never matched to this one.
  const known = new Set(othersRequests(await readLedger(paths), entry.key));
  const result = await findUnanswered(entry, {
    listing: o.listing,
    clock: o.clock,
    deadline: o.clock.now() + o.withinMs,
    firstWaitMs: o.firstWaitMs,
    maxWaitMs: o.withinMs,
    known: (id) => known.has(id),
    ...(o.stop && { stop: o.stop }),
  });
  if ("found" in result)
    await journalFound(paths, entry, {
      time: new Date(o.clock.now()).toISOString(),
      // The registry prices the input as the plan did; entries before 2026-12 do not name their storyboard.
      storyboard: entry.storyboard ?? "",
      ...(entry.repo && { repo: entry.repo }),
      step: entry.shot,
      model: entry.endpoint,
      request_id: result.found.request_id,
      key: entry.key,
      cost: entry.cost ?? priceOfInput(entry.endpoint, entry.input) ?? 0,
      ...(entry.spent_in && { bucket: entry.spent_in.bucket }),
    });
  return result;
}
