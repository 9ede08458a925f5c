// The remote cache as the generate stage sees it: read-through before a step is made, a claim while it is
// made (so two machines never pay for one step), write-through after, and uploads that failed kept for later.
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { readJson } from "../atomic.js";
import { hasSidecar } from "../artifacts/index.js";
import { ifMissing, removeIfExists } from "../../util/fs.js";
import { type BadEntry, type EntryRef, type Fetched, fetchEntry, publishEntry } from "./entries.js";
import type { RemoteSettings } from "./guard.js";

export const DEFAULT_LEASE_MS = 60_000;

export type { Guarded, Notify, OnJournal, RemoteSettings } from "./guard.js";

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
  // True once the bucket has it (or nothing is to be uploaded: a read-only run).
  async publish(e: EntryRef, step: string): Promise<boolean> {
    if (this.settings.readonly) return true;
    try {
      const bad = this.bad.get(e.key);
      const ours = await publishEntry(this.settings.store, this.settings.paths, e, bad);
      if (bad && ours) this.replaced.add(e.key);
      this.uploaded += 1;
      await removeIfExists(this.pendingFile(e.key));
      return true;
    } catch (err) {
      this.failedUploads.push({ step, why: (err as Error).message });
      await mkdir(path.dirname(this.pendingFile(e.key)), { recursive: true });
      await writeFile(this.pendingFile(e.key), `${JSON.stringify(e)}\n`);
      return false;
    }
  }

  async pending(): Promise<EntryRef[]> {
    const dir = path.join(this.settings.paths.dir, "remote", "pending");
    const names = (await readdir(dir).catch(ifMissing([] as string[]))).filter((n) => n.endsWith(".json"));
    const refs = await Promise.all(names.map((n) => readJson<EntryRef>(path.join(dir, n))));
    return refs.filter((r): r is EntryRef => r !== undefined && hasSidecar(r.kind));
  }

  private pendingFile(key: string): string {
    return path.join(this.settings.paths.dir, "remote", "pending", `${key}.json`);
  }

  // The record this machine found bad for a key, which its own output may replace.
  badRecord(key: string): string | undefined {
    return this.bad.get(key)?.record;
  }
}
