// The remote cache in a render: open it (checking once per location that the server honours conditional
// writes), upload what earlier runs could not, fetch what the plans need before anything is priced, and
// say at the end what was fetched, refused as untrusted, or left to upload.
import pLimit from "p-limit";
import { clearJournal } from "../cache/journal.js";
import type { CachePaths } from "../cache/layout.js";
import { conditionalWrites } from "../cache/remote/conditional-check.js";
import { type EntryRef, recordName } from "../cache/remote/entries.js";
import { type ObjectStore, RemoteError, SETTINGS_CODES } from "../cache/remote/object-store.js";
import { DEFAULT_LEASE_MS, RemoteCache } from "../cache/remote/remote-cache.js";
import { withReadRetries } from "../cache/remote/read-retry.js";
import { RunError, UsageError } from "../errors.js";
import { isClipJob } from "../plan/plan.js";
import type { Clock } from "../util/clock.js";
import { count } from "../util/words.js";
import { dollars } from "../util/money.js";
import type { EventSink } from "./events.js";
import type { PlannedFilm } from "./plans.js";
import { isPass, labelOf, storedAs } from "../steps/registry.js";

export interface RemoteChoice {
  // The bucket (the S3 adapter, or a test's store), opened only when a render runs.
  open: () => Promise<ObjectStore>;
  // Remembers the conditional-write check per location.
  id: string;
  readonly: boolean;
  leaseMs?: number;
}

// The bucket, checked with one cheap request before anything is written or planned: a wrong bucket, endpoint or
// credential is a setting to fix (exit 2), a server that does not answer a failed run (exit 1).
export async function connectRemote(choice: RemoteChoice): Promise<ObjectStore> {
  const store = await choice.open();
  try {
    await store.list("v1/.storyreel-probe");
  } catch (err) {
    throw remoteProblem(store.location, err, choice.readonly);
  }
  return store;
}

export function remoteProblem(location: string, err: unknown, readonly: boolean): Error {
  const code = err instanceof RemoteError ? err.code : (err as Error).name;
  const message = (err as Error).message;
  if (code && SETTINGS_CODES.has(code))
    return new UsageError(
      `the remote cache ${location} refused these settings: ${message}. Check the bucket name, AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL) and the AWS credentials${code === "AccessDenied" && !readonly ? "; credentials that may only read need --remote-cache-readonly" : ""}. Nothing was submitted.`,
    );
  return new RunError(
    `the remote cache ${location} did not answer: ${message}. Check AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL) and the network, or render without --remote-cache. Nothing was submitted.`,
  );
}

// Claims on, once the server is known to honour conditional writes (checked once per location, remembered).
export async function openRemote(
  store: ObjectStore,
  choice: RemoteChoice,
  paths: CachePaths,
  clock: Clock,
  emit: EventSink,
): Promise<RemoteCache> {
  let claims = false;
  if (!choice.readonly) {
    let check: Awaited<ReturnType<typeof conditionalWrites>>;
    try {
      check = await conditionalWrites(store, paths, choice.id, clock.now());
    } catch (err) {
      throw remoteProblem(store.location, err, choice.readonly);
    }
    claims = check.conditional;
    if (!claims)
      emit({
        type: "notice",
        text: `WARNING: claims are OFF for ${store.location}: the server does not honour conditional writes (${check.why}). Two machines rendering the same new step at once may BOTH PAY for it. Use a server with conditional writes (AWS S3, R2, GCS, MinIO), then run \`storyreel doctor --remote\` to check again.`,
      });
  }
  return new RemoteCache({
    // Reads ride out a few seconds of outage (writes keep their own rules).
    store: withReadRetries(store, clock),
    paths,
    clock,
    readonly: choice.readonly,
    claims,
    leaseMs: choice.leaseMs ?? DEFAULT_LEASE_MS,
  });
}

// Every paid step the plans would make (clips, takes, stills, sounds), which the bucket may already hold.
export type MissingEntry = EntryRef & { step: string; collect: boolean; cost: number; paid: boolean };

export function missingEntries(films: PlannedFilm[]): MissingEntry[] {
  const out = new Map<string, MissingEntry>();
  const add = (key: string, kind: EntryRef["kind"], step: string, status: string, cost: number) => {
    if (isClipJob(status as never) && !out.has(key))
      out.set(key, { key, kind, step, collect: status === "collect", cost, paid: status === "generate" });
  };
  for (const { plan } of films) {
    for (const s of plan.shots) {
      if (s.duplicate_of) continue;
      add(s.key, "clip", s.id, s.status, s.cost);
      for (const t of s.takes ?? []) add(t.key, "clip", `${s.id} take ${t.take}`, t.status, s.cost);
    }
    for (const s of plan.steps)
      if (storedAs(s, "still")) {
        add(s.key, "still", `still ${s.name}`, s.status, s.cost);
        for (const t of s.takes ?? [])
          add(t.key, "still", `still ${s.name} take ${t.take}`, t.status, s.cost);
      } else if (storedAs(s, "sound")) add(s.key, "sound", labelOf(s), s.status, s.cost);
      // A pass (lip-sync, upscale): a clip under its own key.
      else if (isPass(s)) {
        add(s.key, "clip", labelOf(s), s.status, s.cost);
        for (const t of s.takes ?? []) add(t.key, "clip", `${labelOf(s)} take ${t.take}`, t.status, s.cost);
      }
  }
  return [...out.values()];
}

// For `plan`: which of the steps a render would make the bucket already holds (a HEAD of each record; nothing
// is downloaded), so the plan can say what a render would really spend.
export async function inRemote(
  films: PlannedFilm[],
  store: ObjectStore,
): Promise<{ location: string; steps: MissingEntry[] }> {
  const limit = pLimit(8);
  const wanted = missingEntries(films);
  try {
    const there = await Promise.all(wanted.map((e) => limit(() => store.head(recordName(e)))));
    return { location: store.location, steps: wanted.filter((_, i) => there[i] !== undefined) };
  } catch (err) {
    throw new RunError(`the remote cache ${store.location} did not answer: ${(err as Error).message}`);
  }
}

// Read-through before planning the spending: returns how many steps came from the bucket.
export async function fetchMissing(
  films: PlannedFilm[],
  remote: RemoteCache,
  emit: EventSink,
): Promise<{ fetched: string[]; failures: string[] }> {
  const wanted = missingEntries(films);
  if (wanted.length === 0) return { fetched: [], failures: [] };
  emit({
    type: "notice",
    text: `Remote cache ${remote.location}: looking for ${count(wanted.length, "missing step")}`,
  });
  const limit = pLimit(8);
  const fetched: string[] = [];
  let bytes = 0;
  const failures: string[] = [];
  await Promise.all(
    wanted.map((e) =>
      limit(async () => {
        try {
          const got = await remote.fetch(e, e.step);
          if (got.status !== "fetched") return;
          fetched.push(e.key);
          bytes += got.bytes;
          // A request this machine journaled is no longer needed: the bucket had the step.
          if (e.collect) await clearJournal(remote.settings.paths, e.key);
        } catch (err) {
          failures.push(`${e.step} (${(err as Error).message})`);
        }
      }),
    ),
  );
  emit({
    type: "notice",
    text: `Remote cache: fetched ${fetched.length} of ${count(wanted.length, "missing step")} (${(bytes / 1e6).toFixed(1)} MB)${failures.length ? `; could not fetch ${failures.join(", ")}` : ""}`,
  });
  return { fetched, failures };
}

// A read-only render that pays: nobody else will see what it makes (no claims, no uploads), so it says so.
export function readonlyPayNotice(remote: RemoteCache | undefined, cost: number, emit: EventSink): void {
  if (!remote?.settings.readonly || cost <= 0) return;
  emit({
    type: "notice",
    text: `--remote-cache-readonly: this render pays ${dollars(cost)} for steps that it neither claims nor uploads, so another machine may pay for them too. For pull requests, render --frozen without FAL_KEY.`,
  });
}

// Outputs an earlier run made but could not upload.
export async function uploadPending(remote: RemoteCache, emit: EventSink): Promise<void> {
  if (remote.settings.readonly) return;
  const pending = await remote.pending();
  if (pending.length === 0) return;
  const before = remote.failedUploads.length;
  for (const e of pending) await remote.publish(e, `${e.kind} ${e.key.slice(0, 12)}`);
  const failed = remote.failedUploads.length - before;
  emit({
    type: "notice",
    text: `Remote cache: uploaded ${pending.length - failed} of ${count(pending.length, "output")} an earlier run could not${failed ? ` (${failed} still waiting)` : ""}`,
  });
}

// The end of a render: what the bucket refused to give us, and what we could not give it.
export function remoteNotices(remote: RemoteCache, emit: EventSink): void {
  const bytes = remote.fetched.reduce((t, f) => t + f.bytes, 0);
  if (remote.fetched.length + remote.uploaded > 0)
    emit({
      type: "notice",
      text: `Remote cache ${remote.location}: ${count(remote.fetched.length, "step")} fetched (${(bytes / 1e6).toFixed(1)} MB, nothing paid), ${remote.uploaded} uploaded`,
    });
  for (const u of remote.summary().untrusted)
    emit({
      type: "notice",
      text: `Remote cache: ${u.step} was NOT used from ${remote.location}: ${u.why}.${u.replaced ? " It was made again here and replaced in the bucket." : remote.settings.readonly ? " A render with write access makes it again and replaces it." : ""}`,
    });
  if (remote.failedUploads.length > 0)
    emit({
      type: "notice",
      text: `Remote cache: could not upload ${remote.failedUploads.map((f) => `${f.step} (${f.why})`).join(", ")}. The render is fine; the next run, or \`storyreel cache push\`, uploads them.`,
    });
}
