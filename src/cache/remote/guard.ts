// The claim protocol around one paid step. Read-through first; then the provider runs, and the claim is created
// only when it is about to submit (it holds one of this machine's slots then, so no machine claims work it has
// no room for). A claim held elsewhere means waiting for its output, or taking it over once it is stale; a
// taken-over claim's request is collected, never paid again. Publish, then release.
import { ProviderError, NotStartedError } from "../../errors.js";
import { readJournal, writeJournal } from "../journal.js";
import {
  ClaimedElsewhereError,
  ClaimLostError,
  claim,
  claimBody,
  type ForeignClaim,
  HeldClaim,
  heldByDeadProcessHere,
  isStale,
  readClaim,
  takeOver,
} from "./claims.js";
import { type EntryRef, recordName, RemoteLookupError } from "./entries.js";
import type { JournalEntry } from "../journal.js";
import type { CachePaths } from "../layout.js";
import type { Clock } from "../../util/clock.js";
import type { Fetched } from "./entries.js";
import type { ObjectStore } from "./object-store.js";

export interface RemoteSettings {
  store: ObjectStore;
  paths: CachePaths;
  clock: Clock;
  // Read-only: read-through only (no claims, no uploads), for untrusted runs such as pull requests.
  readonly: boolean;
  // Off when the server does not honour conditional writes (doctor --remote found so).
  claims: boolean;
  leaseMs: number;
}

export type Notify = (state: "waiting" | "downloading", detail: string) => void;
// Called with each journal entry the provider writes: the claim records the submit and its request id.
// `claimOnly`: take the claim (as "claimed": nothing sent yet) without recording the submit in it.
export type OnJournal = (entry: JournalEntry, claimOnly?: boolean) => Promise<void>;
export type Guarded<T> = { from: "remote"; bytes: number } | { from: "made"; value: T };

// What the protocol needs of the remote cache (remote-cache.ts), so the arrow points one way.
interface RemoteCache {
  settings: RemoteSettings;
  fetch(e: EntryRef, step: string): Promise<Fetched>;
  publish(e: EntryRef, step: string): Promise<boolean>;
  badRecord(key: string): string | undefined;
}

type Step = EntryRef & { step: string };

export async function guardStep<T>(
  remote: RemoteCache,
  e: Step,
  notify: Notify,
  produce: (onJournal?: OnJournal) => Promise<T>,
  stop?: AbortSignal,
): Promise<Guarded<T>> {
  const s = remote.settings;
  const fetched = () => fetchOrFail(remote, e);
  const first = await fetched();
  if (first.status === "fetched") return { from: "remote", bytes: first.bytes };
  if (s.readonly || !s.claims) {
    const value = await produce();
    await remote.publish(e, e.step);
    return { from: "made", value };
  }
  const name = `v1/claims/${e.key}`;
  const pollMs = Math.max(250, Math.min(1000, s.leaseMs / 6));
  const refreshMs = Math.max(100, Math.floor(s.leaseMs / 3));
  // One body for every attempt, so a create whose answer was lost is recognised as this machine's.
  const mine = claimBody(e.key, e.step, s.leaseMs);
  let held: HeldClaim | undefined;
  const onJournal: OnJournal = async (entry, claimOnly) => {
    const record = {
      state: entry.state,
      endpoint: entry.endpoint,
      input: entry.input,
      submitted_at: entry.submitted_at,
      ...(entry.storyboard && { storyboard: entry.storyboard }),
      ...(entry.repo && { repo: entry.repo }),
      ...(entry.spent_in && { spent_in: entry.spent_in }),
      ...(entry.request_id && { request_id: entry.request_id }),
    };
    if (held) return claimOnly ? undefined : held.update(record);
    // Created as "claimed" (nothing sent): a machine killed before its submit leaves nothing blocked.
    const got = await claim(s.store, name, mine, s.clock);
    if (!(got instanceof HeldClaim)) throw new ClaimedElsewhereError(got);
    held = got;
    held.keepAlive(refreshMs);
    // Another machine may have published and released it since we looked (it publishes before it releases);
    // a record already found bad is the one this machine is about to replace.
    if (await publishedMeanwhile(remote, e)) throw new ClaimedElsewhereError(undefined);
    if (!claimOnly) await held.update(record);
  };
  for (let round = 1; ; round++) {
    // Each round ends in another machine's claim or output; this many means something is wrong with the bucket.
    if (round > 50)
      throw new ProviderError(
        "the remote cache kept changing under this step; nothing more was paid. Run again.",
        {
          transient: false,
        },
      );
    try {
      const value = await produce(onJournal);
      // Refreshed until the output is up: waiters must not take over a claim whose step is being uploaded.
      const up = await remote.publish(e, e.step);
      held?.stop();
      // Not uploaded: the claim stays, with the request id, so whoever takes it over collects it for free.
      if (up) await held?.release().catch(() => undefined);
      return { from: "made", value };
    } catch (err) {
      held?.stop();
      if (!(err instanceof ClaimLostError)) {
        // A request that may exist (paid, or sent without an answer) keeps its claim, with what it knows: whoever
        // takes it over collects it, or, unconfirmed, submits again only with --resubmit-unconfirmed.
        if (held && !(await readJournal(s.paths, e.key))) await held.release().catch(() => undefined);
        throw err;
      }
      if (held && err instanceof ClaimedElsewhereError && !err.foreign)
        await held.release().catch(() => undefined);
      held = undefined;
      const foreign = err instanceof ClaimedElsewhereError ? err.foreign : await readClaim(s.store, name);
      const waited = foreign ? await waitFor(remote, e, name, foreign, notify, pollMs, stop) : "retry";
      if (waited !== "retry" && "from" in waited) return waited;
      if (waited !== "retry") {
        held = waited.held;
        held.keepAlive(refreshMs);
        // The step may have been published by a holder that died before releasing: look once more.
        if (await publishedMeanwhile(remote, e)) {
          await held.release().catch(() => undefined);
          held = undefined;
        } else {
          await inherit(remote, e, held, notify);
          continue;
        }
      }
      const again = await fetched();
      if (again.status === "fetched") return { from: "remote", bytes: again.bytes };
    }
  }

  async function waitFor(
    remote: RemoteCache,
    e: Step,
    name: string,
    foreign: ForeignClaim,
    notify: Notify,
    pollMs: number,
    stop?: AbortSignal,
  ): Promise<"retry" | Guarded<never> | { held: HeldClaim }> {
    const who = foreign.body
      ? `${foreign.body.holder.host} (pid ${foreign.body.holder.pid})`
      : "another machine";
    notify("waiting", `another machine is making this: ${who} holds its claim in the remote cache`);
    let current: ForeignClaim | undefined = foreign;
    let failures = 0;
    for (;;) {
      // Ctrl-C: this machine pays nothing for the step, so it simply stops waiting for the other one.
      if (stop?.aborted) throw new NotStartedError("interrupted while another machine was making it");
      try {
        if (current && (isStale(current, s.leaseMs) || heldByDeadProcessHere(current.body))) {
          const taken = await takeOver(s.store, name, current, mine, s.clock);
          if (taken) return { held: taken };
        }
        await s.clock.sleep(pollMs, stop).catch(() => undefined);
        if (stop?.aborted) throw new NotStartedError("interrupted while another machine was making it");
        const got = await remote.fetch(e, e.step);
        if (got.status === "fetched") return { from: "remote", bytes: got.bytes };
        current = await readClaim(s.store, name);
        if (!current) return "retry";
        failures = 0;
      } catch (err) {
        // Waiting costs nothing: a poll the network spoiled is simply made again, up to a point.
        if (err instanceof NotStartedError || ++failures > 20)
          throw err instanceof NotStartedError
            ? err
            : new ProviderError(`waiting for another machine's step failed: ${(err as Error).message}`, {
                transient: false,
              });
        await s.clock.sleep(pollMs, stop).catch(() => undefined);
      }
    }
  }
}

async function fetchOrFail(remote: RemoteCache, e: Step): Promise<Fetched> {
  try {
    return await remote.fetch(e, e.step);
  } catch (err) {
    // Not known to be there: with claims, the step is made, and the claim at its submit (which looks at the
    // bucket again) keeps two machines from paying for it. Without them, nothing is paid on a guess.
    if (err instanceof RemoteLookupError) {
      if (remote.settings.claims && !remote.settings.readonly) return { status: "absent" };
      throw new ProviderError(
        `could not look this step up in the remote cache: ${err.message}. Nothing was paid; run again.`,
        { transient: false },
      );
    }
    throw new ProviderError(
      `the remote cache has this step, but fetching it failed: ${(err as Error).message}. Nothing was paid; run again.`,
      { transient: false },
    );
  }
}

async function publishedMeanwhile(remote: RemoteCache, e: Step): Promise<boolean> {
  const record = await remote.settings.store.head(recordName(e));
  return record !== undefined && record.etag !== remote.badRecord(e.key);
}

// The request the old holder recorded becomes this machine's journal entry: the provider reattaches to it.
async function inherit(remote: RemoteCache, e: Step, held: HeldClaim, notify: Notify): Promise<void> {
  const b = held.body;
  if (b.state === "claimed") return;
  const from = b.taken_from ? `${b.taken_from.host} (pid ${b.taken_from.pid})` : "another machine";
  notify(
    "waiting",
    b.request_id
      ? `took over from ${from}, which stopped: collecting the request it submitted, ${b.request_id}`
      : `took over from ${from}, which stopped while its submit was unanswered`,
  );
  await writeJournal(remote.settings.paths, {
    version: 1,
    key: e.key,
    shot: e.step,
    endpoint: b.endpoint ?? "",
    state: b.state === "submitted" && b.request_id ? "submitted" : "submitting",
    ...(b.request_id && { request_id: b.request_id }),
    input: b.input ?? {},
    // Unknown (an older claim): fal's listing is searched over the last hour.
    submitted_at: b.submitted_at ?? new Date(remote.settings.clock.now() - 3_600_000).toISOString(),
    ...(b.storyboard && { storyboard: b.storyboard }),
    ...(b.repo && { repo: b.repo }),
    ...(b.spent_in && { spent_in: b.spent_in }),
  });
}
