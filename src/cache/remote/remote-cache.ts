// The remote cache as the generate stage sees it: read-through before a step is made, a claim while it is
// made (so two machines never pay for one step), write-through after, and uploads that failed kept for later.
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { readJson } from "../atomic.js";
import { type JournalEntry, readJournal, writeJournal } from "../journal.js";
import type { CachePaths } from "../layout.js";
import type { Clock } from "../../util/clock.js";
import { NotStartedError, ProviderError } from "../../errors.js";
import { ifMissing, removeIfExists } from "../../util/fs.js";
import {
  ClaimedElsewhereError,
  ClaimLostError,
  heldByDeadProcessHere,
  claim,
  claimBody,
  type ForeignClaim,
  HeldClaim,
  isStale,
  readClaim,
  takeOver,
} from "./claims.js";
import {
  type BadEntry,
  type EntryRef,
  type Fetched,
  fetchEntry,
  publishEntry,
  recordName,
} from "./entries.js";
import type { ObjectStore } from "./object-store.js";

export const DEFAULT_LEASE_MS = 60_000;

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
export type OnJournal = (entry: JournalEntry) => Promise<void>;
export type Guarded<T> = { from: "remote"; bytes: number } | { from: "made"; value: T };

export class RemoteCache {
  // What happened, for the run's summary.
  readonly untrusted: { step: string; why: string; key: string }[] = [];
  readonly failedUploads: { step: string; why: string }[] = [];
  readonly fetched: { step: string; bytes: number }[] = [];
  // Objects found bad in the bucket, and those this run replaced with what it made.
  private readonly bad = new Map<string, BadEntry>();
  readonly replaced = new Set<string>();
  uploaded = 0;
  constructor(readonly settings: RemoteSettings) {}

  // For the report: one line per step, each problem once.
  summary() {
    const once = <T extends { step: string }>(list: T[]) =>
      list.filter((x, i) => list.findIndex((y) => y.step === x.step) === i);
    return {
      location: this.location,
      readonly: this.settings.readonly,
      claims: this.settings.claims,
      fetched: this.fetched,
      untrusted: once(this.untrusted).map((u) => ({
        step: u.step,
        why: u.why,
        replaced: this.replaced.has(u.key),
      })),
      upload_failed: once(this.failedUploads),
    };
  }

  get location(): string {
    return this.settings.store.location;
  }

  // A missing or untrusted entry reads as absent; an untrusted one is remembered and reported.
  async fetch(e: EntryRef, step: string): Promise<Fetched> {
    const got = await fetchEntry(this.settings.store, this.settings.paths, e);
    if (got.status === "untrusted") {
      this.untrusted.push({ step, why: got.why, key: e.key });
      this.bad.set(e.key, got.bad);
    }
    if (got.status === "fetched") this.fetched.push({ step, bytes: got.bytes });
    return got;
  }

  // Uploads one entry; a failure is reported and kept in <cache>/remote/pending for the next run or `cache push`.
  async publish(e: EntryRef, step: string): Promise<void> {
    if (this.settings.readonly) return;
    try {
      const bad = this.bad.get(e.key);
      await publishEntry(this.settings.store, this.settings.paths, e, bad);
      if (bad) this.replaced.add(e.key);
      this.uploaded += 1;
      await removeIfExists(this.pendingFile(e.key));
    } catch (err) {
      this.failedUploads.push({ step, why: (err as Error).message });
      await mkdir(path.dirname(this.pendingFile(e.key)), { recursive: true });
      await writeFile(this.pendingFile(e.key), `${JSON.stringify(e)}\n`);
    }
  }

  async pending(): Promise<EntryRef[]> {
    const dir = path.join(this.settings.paths.dir, "remote", "pending");
    const names = (await readdir(dir).catch(ifMissing([] as string[]))).filter((n) => n.endsWith(".json"));
    const refs = await Promise.all(names.map((n) => readJson<EntryRef>(path.join(dir, n))));
    return refs.filter((r): r is EntryRef => r?.kind === "clip" || r?.kind === "still");
  }

  private pendingFile(key: string): string {
    return path.join(this.settings.paths.dir, "remote", "pending", `${key}.json`);
  }

  // Make one step at most once across every machine sharing the bucket. The claim is created only when the
  // provider is about to submit (it holds one of this machine's slots then), so a machine never claims work it
  // has no room for; a claim taken over from a stopped machine carries its request, which is collected.
  async guard<T>(
    e: EntryRef,
    step: string,
    notify: Notify,
    produce: (onJournal?: OnJournal) => Promise<T>,
    stop?: AbortSignal,
  ): Promise<Guarded<T>> {
    const s = this.settings;
    const fetched = async () => {
      try {
        return await this.fetch(e, step);
      } catch (err) {
        throw new ProviderError(
          `the remote cache has this step, but fetching it failed: ${(err as Error).message}. Nothing was paid; run again.`,
          { transient: false },
        );
      }
    };
    const first = await fetched();
    if (first.status === "fetched") return { from: "remote", bytes: first.bytes };
    if (s.readonly || !s.claims) {
      const value = await produce();
      await this.publish(e, step);
      return { from: "made", value };
    }
    const name = `v1/claims/${e.key}`;
    const pollMs = Math.max(250, Math.min(1000, s.leaseMs / 6));
    const refreshMs = Math.max(100, Math.floor(s.leaseMs / 3));
    let held: HeldClaim | undefined;
    const onJournal: OnJournal = async (entry) => {
      const record = {
        state: entry.state,
        endpoint: entry.endpoint,
        input: entry.input,
        ...(entry.request_id && { request_id: entry.request_id }),
      };
      if (held) return held.update(record);
      const got = await claim(s.store, name, { ...claimBody(e.key, step), ...record }, s.clock);
      if (!(got instanceof HeldClaim)) throw new ClaimedElsewhereError(got);
      // Another machine may have published and released it since we looked (it publishes before it releases);
      // a record already found bad is the one this machine is about to replace.
      const published = await s.store.head(recordName(e));
      if (published && published.etag !== this.bad.get(e.key)?.record) {
        await got.release();
        throw new ClaimedElsewhereError(undefined);
      }
      held = got;
      held.keepAlive(refreshMs);
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
        held?.stop();
        await this.publish(e, step);
        await held?.release().catch(() => undefined);
        return { from: "made", value };
      } catch (err) {
        held?.stop();
        if (err instanceof ClaimLostError) {
          const foreign = err instanceof ClaimedElsewhereError ? err.foreign : await readClaim(s.store, name);
          held = undefined;
          const waited = foreign ? await this.waitFor(e, step, name, foreign, notify, pollMs, stop) : "retry";
          if (waited === "retry") {
            const again = await fetched();
            if (again.status === "fetched") return { from: "remote", bytes: again.bytes };
            continue;
          }
          if ("from" in waited) return waited;
          held = waited.held;
          held.keepAlive(refreshMs);
          await this.inherit(e, held, step, notify);
          continue;
        }
        // A request that may exist (paid, or sent without an answer) keeps its claim, with what it knows: whoever
        // takes it over collects it, or, unconfirmed, submits again only with --resubmit-unconfirmed.
        if (held && !(await readJournal(s.paths, e.key))) await held.release().catch(() => undefined);
        throw err;
      }
    }
  }

  // Another machine holds the step: wait for its output, and take the claim over if its holder stops.
  private async waitFor(
    e: EntryRef,
    step: string,
    name: string,
    foreign: ForeignClaim,
    notify: Notify,
    pollMs: number,
    stop?: AbortSignal,
  ): Promise<"retry" | Guarded<never> | { held: HeldClaim }> {
    const s = this.settings;
    const who = foreign.body
      ? `${foreign.body.holder.host} (pid ${foreign.body.holder.pid})`
      : "another machine";
    notify("waiting", `another machine is making this: ${who} holds its claim in the remote cache`);
    let current: ForeignClaim | undefined = foreign;
    for (;;) {
      if (current && (isStale(current.object, s.leaseMs) || heldByDeadProcessHere(current.body))) {
        const held = await takeOver(s.store, name, current, step);
        if (held) return { held };
      }
      // Ctrl-C: this machine pays nothing for the step, so it simply stops waiting for the other one.
      if (stop?.aborted) throw new NotStartedError("interrupted while another machine was making it");
      await s.clock.sleep(pollMs, stop).catch(() => undefined);
      if (stop?.aborted) throw new NotStartedError("interrupted while another machine was making it");
      const got = await this.fetch(e, step);
      if (got.status === "fetched") return { from: "remote", bytes: got.bytes };
      current = await readClaim(s.store, name);
      if (!current) return "retry";
    }
  }

  // The request the old holder recorded becomes this machine's journal entry: the provider reattaches to it.
  private async inherit(e: EntryRef, held: HeldClaim, step: string, notify: Notify): Promise<void> {
    const b = held.body;
    if (b.state === "claimed") return;
    const from = b.taken_from ? `${b.taken_from.host} (pid ${b.taken_from.pid})` : "another machine";
    notify(
      "waiting",
      b.request_id
        ? `took over from ${from}, which stopped: collecting the request it submitted, ${b.request_id}`
        : `took over from ${from}, which stopped while its submit was unanswered`,
    );
    await writeJournal(this.settings.paths, {
      version: 1,
      key: e.key,
      shot: step,
      endpoint: b.endpoint ?? "",
      state: b.state === "submitted" && b.request_id ? "submitted" : "submitting",
      ...(b.request_id && { request_id: b.request_id }),
      input: b.input ?? {},
      submitted_at: new Date(this.settings.clock.now()).toISOString(),
    });
  }
}
