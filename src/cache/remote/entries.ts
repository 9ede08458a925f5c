// One cache entry between the local cache and the bucket: an output (clip, still or sound) and its record (the
// sidecar). Remote layout under the prefix: v1/clips/<key>.json names v1/clips/<key>.<sha256>.mp4 (stills and
// sounds the same under v1/stills/ and v1/sounds/). An output is named by its bytes, so two machines' outputs never share a name.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { commitRename, readJson, tempSibling, writeJsonAtomic } from "../atomic.js";
import type { CachePaths } from "../layout.js";
import {
  type AnySidecar,
  formatLacking,
  outputExtension,
  outputFile,
  sidecarFile,
  type SidecarKind,
} from "../artifacts/index.js";
import { removeIfExists } from "../../util/fs.js";
import type { ObjectStore } from "./object-store.js";

// The local store's kinds with a sidecar, under the same names (v1/clips/ mirrors <cache>/clips/).
export type EntryKind = SidecarKind;
export interface EntryRef {
  key: string;
  kind: EntryKind;
}

type Record = AnySidecar;
// A transfer cut short is tried again: a step the bucket has must never be paid for because of a bad network.
const FETCH_ATTEMPTS = 5;

const dir = (kind: EntryKind) => `v1/${kind}s`;
export const recordName = (e: EntryRef) => `${dir(e.kind)}/${e.key}.json`;
export const outputName = (e: EntryRef, record: Pick<Record, "sha256"> & { format?: string }) =>
  `${dir(e.kind)}/${e.key}.${record.sha256}.${outputExtension(e.kind, record.format)}`;

// Where an entry lives in the local cache: its record (the sidecar) and its output file.
const localRecord = (paths: CachePaths, e: EntryRef) => sidecarFile(paths, e.kind, e.key);
const localOutput = (paths: CachePaths, e: EntryRef, record: Record) =>
  outputFile(paths, e.kind, e.key, record);

// The bucket could not be asked whether it has a step (not: it has it and the download failed).
export class RemoteLookupError extends Error {}

export type Fetched =
  | { status: "fetched"; bytes: number }
  | { status: "absent" }
  // The bucket has the step, but its bytes or record are not to be trusted: never used.
  | { status: "untrusted"; why: string; bad: BadEntry };

// The ETags of what was found wrong, so a machine that makes the step again replaces exactly those objects.
export interface BadEntry {
  record: string;
  // A bad output at the name this machine's bytes would take (a tampered object keeps its name).
  output?: { name: string; etag: string };
}

// Read-through: record, then output, checked against the record's sha256 before it enters the local cache.
// A transfer that comes up short is tried again; what still fails throws (the caller must not pay for it).
export async function fetchEntry(store: ObjectStore, paths: CachePaths, e: EntryRef): Promise<Fetched> {
  let got: Awaited<ReturnType<ObjectStore["getBytes"]>>;
  try {
    got = await store.getBytes(recordName(e));
  } catch (err) {
    throw new RemoteLookupError(
      `${store.location} did not answer whether it has it: ${(err as Error).message}`,
    );
  }
  if (!got) return { status: "absent" };
  const record = parseRecord(got.bytes, e);
  if (typeof record === "string")
    return { status: "untrusted", why: record, bad: { record: got.object.etag } };
  const bad = (etag?: string): BadEntry => ({
    record: got.object.etag,
    ...(etag && { output: { name: outputName(e, record), etag } }),
  });
  const local = localOutput(paths, e, record);
  await mkdir(paths.tmp, { recursive: true });
  let why = "";
  for (let attempt = 1; attempt <= FETCH_ATTEMPTS; attempt++) {
    const tmp = tempSibling(`${paths.tmp}/${e.key}.remote`);
    try {
      const got = await store.download(outputName(e, record), tmp);
      if (!got) return { status: "untrusted", why: "its record is there but its output is not", bad: bad() };
      const { sha256, size: bytes } = got;
      if (bytes === record.bytes && sha256 === record.sha256) {
        await mkdir(path.dirname(local), { recursive: true });
        await commitRename(tmp, local);
        await writeJsonAtomic(localRecord(paths, e), record);
        return { status: "fetched", bytes };
      }
      // The whole object arrived (a cut transfer throws) and differs: it was replaced or tampered with.
      return {
        status: "untrusted",
        why:
          bytes === record.bytes
            ? "its bytes do not match the sha256 its record gives"
            : `it has ${bytes} bytes where its record says ${record.bytes}`,
        bad: bad(got.etag),
      };
    } catch (err) {
      why = (err as Error).message;
    } finally {
      await removeIfExists(tmp);
    }
  }
  throw new Error(
    `downloading ${store.location}${outputName(e, record)} failed ${FETCH_ATTEMPTS} times (${why})`,
  );
}

// Write-through: the output, then its record, each created only if absent (a step is never overwritten).
// Returns whether this record is the one in the bucket now (false: another machine's was there first).
export async function publishEntry(
  store: ObjectStore,
  paths: CachePaths,
  e: EntryRef,
  replace?: BadEntry,
): Promise<boolean> {
  const record = await readJson<Record>(localRecord(paths, e));
  // Freed locally since (cache gc): nothing left to share.
  if (!record) return false;
  const file = localOutput(paths, e, record);
  // 412: these very bytes are already there (the name is their sha256), unless that object was found bad.
  const name = outputName(e, record);
  const put = await retryConflicts(() =>
    store.put(
      name,
      { file, size: record.bytes },
      replace?.output?.name === name ? { ifMatch: replace.output.etag } : { ifNoneMatch: "*" },
    ),
  );
  if (!put.ok && put.refused !== "precondition") throw new Error(`the upload was refused (${put.refused})`);
  // The record last: it makes the entry count. A bad one is replaced only if it is still the one found bad.
  const meta = await retryConflicts(() =>
    store.put(
      recordName(e),
      Buffer.from(`${JSON.stringify(record, null, 2)}\n`),
      replace ? { ifMatch: replace.record } : { ifNoneMatch: "*" },
    ),
  );
  if (!meta.ok && meta.refused !== "precondition" && meta.refused !== "missing")
    throw new Error(`the record's upload was refused (${meta.refused})`);
  return meta.ok;
}

// A 409 is two conditional writes at once: S3 says to try again (with jitter).
export async function retryConflicts<T extends { ok: boolean; refused?: string }>(
  write: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const result = await write();
    if (result.ok || result.refused !== "conflict" || attempt >= 6) return result;
    await new Promise((resolve) => setTimeout(resolve, 40 * attempt + Math.random() * 80 * attempt));
  }
}

// A record is used only if it is one, for this key, with a sha256 and a size.
function parseRecord(bytes: Buffer, e: EntryRef): Record | string {
  let data: Record;
  try {
    data = JSON.parse(bytes.toString("utf8")) as Record;
  } catch {
    return "its record is not JSON";
  }
  if (!data || typeof data !== "object" || data.version !== 1 || data.key !== e.key)
    return "its record is not a storyreel record for this key";
  if (typeof data.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(data.sha256))
    return "its record has no sha256";
  if (!Number.isSafeInteger(data.bytes) || data.bytes < 0) return "its record has no size";
  const lacking = formatLacking(e.kind, (data as { format?: unknown }).format);
  if (lacking) return `its record names no ${lacking}`;
  return data;
}

// `cache push` for an entry the bucket has a record of: when the record names these very bytes and the output
// itself is gone from the bucket, upload it again (free; the next render would otherwise pay to repair it).
export async function restoreOutput(store: ObjectStore, paths: CachePaths, e: EntryRef): Promise<boolean> {
  const local = await readJson<Record>(localRecord(paths, e));
  const got = await store.getBytes(recordName(e));
  if (!local || !got) return false;
  const remote = parseRecord(got.bytes, e);
  if (typeof remote === "string" || remote.sha256 !== local.sha256) return false;
  const file = localOutput(paths, e, local);
  const put = await store.put(outputName(e, local), { file, size: local.bytes }, { ifNoneMatch: "*" });
  return put.ok;
}
