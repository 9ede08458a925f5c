// `cache verify --repair`: a damaged output is fetched again, byte-identical by its sidecar's sha256, from where
// the provider served it or from the remote cache; a free one is removed, for the next render to make again
// for nothing. A paid one neither can give back is left where it is, and named with what making it again costs.
import { readJson } from "../cache/atomic.js";
import type { CachePaths } from "../cache/layout.js";
import { type EntryRef, recordName } from "../cache/remote/entries.js";
import type { RemoteCache } from "../cache/remote/remote-cache.js";
import { refetch } from "../providers/refetch.js";
import { dollars } from "../util/money.js";
import { removeIfExists } from "../util/fs.js";
import { hasSidecar, moveToOwnKey } from "../cache/artifacts/index.js";
import { type CacheEntry, paidCost } from "./cache-admin.js";

export interface Repair {
  repaired: boolean;
  // What was done, or why it could not be.
  said: string;
}

export async function repairEntry(
  paths: CachePaths,
  entry: CacheEntry,
  remote: RemoteCache | undefined,
): Promise<Repair> {
  if (!hasSidecar(entry.kind))
    return { repaired: false, said: "frames and pieces have no sidecar to repair from" };
  const sidecarFile = entry.files.find((f) => f.endsWith(".json"));
  const sidecar = sidecarFile ? await readJson<{ key?: string; sha256?: string }>(sidecarFile) : undefined;
  // Another key's output (and sidecar) under this name: it goes; this key's own can only come from the bucket.
  if (sidecar?.key !== undefined && sidecar.key !== entry.key) {
    const output = entry.files.find((f) => !f.endsWith(".json"));
    const moved = output !== undefined && (await moveToOwnKey(output, sidecarFile!, sidecar));
    for (const f of entry.files) await removeIfExists(f);
    if (moved) entry.files.length = 0;
    if (await fromRemote(remote, entry, undefined)) return fetched(remote!);
    const where = moved
      ? `moved to ${sidecar.key.slice(0, 16)}, whose output it is`
      : "removed (another key's output)";
    return { repaired: true, said: `${where}: the next render that uses this key makes it` };
  }
  if (!sidecar?.sha256)
    return {
      repaired: false,
      said: "it has no readable sidecar, so nothing says which bytes it should have",
    };
  if (await refetch(paths, entry.kind, entry.key))
    return {
      repaired: true,
      said: "fetched again from the URL fal served it at (the same bytes, nothing paid)",
    };
  if (await fromRemote(remote, entry, sidecar.sha256)) return fetched(remote!);
  const cost = await paidCost(paths, entry);
  if (cost === 0) {
    for (const f of entry.files) await removeIfExists(f);
    return {
      repaired: true,
      said: "removed: it cost nothing, and the next render that uses it makes it again",
    };
  }
  return {
    repaired: false,
    said: `fal no longer serves it${remote ? ` and ${remote.location} does not have these bytes` : " (and no --remote-cache was given)"}; the next render that uses it pays ${dollars(cost)} to make it again`,
  };
}

const fetched = (remote: RemoteCache): Repair => ({
  repaired: true,
  said: `fetched again from ${remote.location} (the same bytes, nothing paid)`,
});

// Only the very bytes the sidecar names (any, when it is another key's): the bucket's record says which it has.
async function fromRemote(
  remote: RemoteCache | undefined,
  entry: CacheEntry,
  sha256: string | undefined,
): Promise<boolean> {
  if (!remote) return false;
  const ref: EntryRef = { key: entry.key, kind: entry.kind as EntryRef["kind"] };
  const got = await remote.settings.store.getBytes(recordName(ref));
  if (!got) return false;
  if (sha256 !== undefined && parseSha(got.bytes) !== sha256) return false;
  return (await remote.fetch(ref, `${entry.kind} ${entry.key.slice(0, 16)}`)).status === "fetched";
}

function parseSha(bytes: Buffer): string | undefined {
  try {
    return (JSON.parse(bytes.toString("utf8")) as { sha256?: string }).sha256;
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}
