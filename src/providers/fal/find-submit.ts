// A submit that got no answer (a kill, a reset after the bytes left) is looked for in fal's request listing:
// a request to the same endpoint, sent since just before the journaled intent, whose input is exactly what
// storyreel sent. Found, it is collected like any journaled request; only a listing that answered every look
// until the deadline and never showed it proves fal never accepted the submit.
import { canonicalJson } from "../../util/hash.js";
import type { Clock } from "../../util/clock.js";
import { type ListedRequest, ListingError, type RequestListing } from "./request-listing.js";

export type Lookup =
  | { found: ListedRequest; looks: number }
  | { absent: true; looks: number }
  | { unreadable: string; looks: number };

export interface LookupDeps {
  listing: RequestListing;
  clock: Clock;
  // No look starts after this time (the step's --timeout), though one look always happens.
  deadline: number;
  // The first wait between looks; each wait doubles, up to `maxWaitMs`.
  firstWaitMs: number;
  maxWaitMs?: number;
  // Request ids already accounted for (the ledger, other look-ups of this run): never claimed twice.
  known(requestId: string): boolean;
  // Called before each look: what is known changes while the look-up waits (other takes are answered).
  beforeLook?(): Promise<void>;
  stop?: AbortSignal;
  onLook?(look: number, wait: number): void;
}

export interface Unanswered {
  endpoint: string;
  input: Record<string, unknown>;
  // When the intent was journaled (ISO 8601).
  submitted_at: string;
}

// Clocks of this machine and fal's may disagree: the window opens this long before the intent.
export const WINDOW_BEFORE_MS = 60 * 60_000;

export async function findUnanswered(entry: Unanswered, deps: LookupDeps): Promise<Lookup> {
  const sentAt = Date.parse(entry.submitted_at);
  if (!entry.endpoint || Number.isNaN(sentAt) || Object.keys(entry.input).length === 0)
    return { unreadable: "the journal entry of that submit is damaged, so it cannot be matched", looks: 0 };
  const wanted = canonicalJson(entry.input);
  const start = new Date(sentAt - WINDOW_BEFORE_MS).toISOString();
  let wait = deps.firstWaitMs;
  let failure: string | undefined;
  for (let look = 1; ; look++) {
    try {
      await deps.beforeLook?.();
      const query = {
        endpoint: entry.endpoint,
        start,
        payloads: true,
        ...(deps.stop && { signal: deps.stop }),
      };
      const items = await deps.listing.list(query);
      const found = pickMatch(items, entry.endpoint, wanted, deps.known, sentAt);
      if (found) return { found, looks: look };
    } catch (err) {
      if (!(err instanceof ListingError)) throw err;
      if (err.lasting) return { unreadable: err.message, looks: look };
      failure = err.message;
    }
    if (deps.stop?.aborted)
      return { unreadable: "the run was stopped before fal's listing showed it", looks: look };
    if (deps.clock.now() + wait > deps.deadline)
      return failure
        ? { unreadable: `${failure}, so its absence proves nothing`, looks: look }
        : { absent: true, looks: look };
    deps.onLook?.(look, wait);
    await deps.clock.sleep(wait, deps.stop).catch(() => undefined);
    wait = Math.min(wait * 2, deps.maxWaitMs ?? 15_000);
  }
}

// The unclaimed request with exactly this input sent closest to the intent: two takes sent the same input are
// two requests.
function pickMatch(
  items: ListedRequest[],
  endpoint: string,
  wanted: string,
  known: (id: string) => boolean,
  sentAt: number,
): ListedRequest | undefined {
  const matches = items.filter(
    (i) =>
      typeof i.request_id === "string" &&
      (i.endpoint_id === undefined || i.endpoint_id === endpoint) &&
      !known(i.request_id) &&
      i.json_input !== undefined &&
      canonicalJson(i.json_input) === wanted,
  );
  const distance = (i: ListedRequest) => Math.abs((Date.parse(i.sent_at ?? "") || 0) - sentAt);
  return matches.sort((a, b) => distance(a) - distance(b))[0];
}
