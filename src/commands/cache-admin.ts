// The cache as the `cache` command sees it: its entries, which storyboards (and their locks) reach each one,
// their integrity, and what garbage collection may free. Paid outputs are never removed for age alone.
import { rm, stat } from "node:fs/promises";
import path from "node:path";
import { readJson } from "../cache/atomic.js";
import { ARTIFACT_KINDS, type ArtifactKind, type CachePaths } from "../cache/layout.js";
import { hasSidecar, readSidecar, sidecarFile, type Untrusted, verified } from "../cache/artifacts/index.js";
import type { RenderMarker } from "../cache/live-renders.js";
import { clearSettledJournals } from "../cache/settled-journal.js";
import { listIfExists } from "../util/fs.js";
import type { FilmRecord } from "../stitch/film.js";
import { filmFiles } from "../util/output-files.js";
import type { PlannedFilm } from "../pipeline/plans.js";
import { isPass, labelOf, storedAs } from "../steps/registry.js";

export interface CacheEntry {
  // A piece: a window or stretch of a normalised film; audio: a chunk of its encoded soundtrack (both made
  // again for free, never shared remotely).
  kind: ArtifactKind | "piece" | "audio";
  key: string;
  // Every file the entry is made of (output and sidecar).
  files: string[];
  bytes: number;
  modified: number;
  // Who reaches it: "demo.yaml dawn take 2", "lighthouse.yaml still keeper (locked)".
  users: string[];
  // Journaled, so a request for it may be in flight: never freed.
  inFlight: boolean;
}

export async function cacheEntries(paths: CachePaths): Promise<CacheEntry[]> {
  const entries = new Map<string, CacheEntry>();
  // A journal entry whose output is cached and intact is over (a kill came between the two writes).
  await clearSettledJournals(paths);
  const journaled = new Set(
    (await listIfExists(path.join(paths.dir, "journal"))).map((n) => n.replace(/\.json$/, "")),
  );
  const add = async (kind: CacheEntry["kind"], dir: string, name: string) => {
    if (name.startsWith(".")) return;
    const key = name.replace(/\.[a-z0-9]+$/, "");
    if (!/^[0-9a-f]{64}$/.test(key)) return;
    const file = path.join(dir, name);
    const info = await stat(file);
    const entry = entries.get(key) ?? {
      kind,
      key,
      files: [],
      bytes: 0,
      modified: 0,
      users: [],
      inFlight: journaled.has(key),
    };
    entry.files.push(file);
    entry.bytes += info.size;
    entry.modified = Math.max(entry.modified, info.mtimeMs);
    entries.set(key, entry);
  };
  for (const [kind, dir] of [
    ...ARTIFACT_KINDS.map((kind) => [kind, paths.artifacts(kind)] as const),
    ["piece", paths.segments] as const,
  ]) {
    // Beside the pieces: a film's soundtrack in encoded chunks (<key>.aac) and their loudness (<key>.lufs).
    for (const name of await listIfExists(dir))
      await add(kind === "piece" && /\.(aac|lufs)$/.test(name) ? "audio" : kind, dir, name);
  }
  return [...entries.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.key.localeCompare(b.key));
}

// Marks who reaches each entry: every take of every step of the storyboards, and what their locks name.
export function markUsers(entries: CacheEntry[], films: PlannedFilm[]): void {
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const use = (key: string, who: string) => {
    const entry = byKey.get(key);
    if (entry && !entry.users.includes(who)) entry.users.push(who);
  };
  for (const { board, plan, lock } of films) {
    const name = path.basename(board.path);
    for (const s of plan.shots) {
      use(s.key, `${name} ${s.id}${s.takes ? ` take ${s.take}` : ""}`);
      for (const t of s.takes ?? []) use(t.key, `${name} ${s.id} take ${t.take}`);
    }
    // Every step but the clips (the shots above): stills, frames, sounds and the passes that finish clips.
    for (const s of plan.steps.filter((x) => !storedAs(x, "clip") || isPass(x))) {
      const label = `${name} ${isPass(s) ? labelOf(s) : `${storedAs(s, "still") ? "still" : s.kind} ${s.name}`}`;
      use(s.key, `${label}${s.takes ? ` take ${s.take}` : ""}`);
      for (const t of s.takes ?? []) use(t.key, `${label} take ${t.take}`);
    }
    for (const s of lock?.steps ?? []) {
      const label = `${name} ${s.id.startsWith("shot:") ? s.id.slice(5) : s.id.replace(":", " ")}`;
      const entry = byKey.get(s.key);
      const note = ` (locked${s.picked ? ", picked" : ""})`;
      const at = entry?.users.findIndex((u) => u === label || u.startsWith(`${label} take `)) ?? -1;
      if (entry && at >= 0 && !entry.users[at]!.endsWith(")")) entry.users[at] += note;
      else if (!entry?.users.some((u) => u.endsWith(note) && u.startsWith(label))) use(s.key, label + note);
    }
  }
}

// Marks the pieces each storyboard's film was last joined from (its record beside the film names them).
export async function markFilmPieces(entries: CacheEntry[], films: PlannedFilm[]): Promise<void> {
  const byKey = new Map(entries.map((e) => [e.key, e]));
  for (const { board, output } of films) {
    const record = await readJson<FilmRecord>(filmFiles(output).record);
    const who = `${path.basename(board.path)} film`;
    for (const key of record?.pieces ?? []) {
      const entry = byKey.get(key);
      if (entry && !entry.users.includes(who)) entry.users.push(who);
    }
  }
}

// What renders still running use: the keys they planned, and anything written since the oldest began (their
// new outputs and pieces, not locked yet). A render killed meanwhile no longer counts.
export function markLiveRenders(entries: CacheEntry[], renders: RenderMarker[]): void {
  if (renders.length === 0) return;
  const byKey = new Map(entries.map((e) => [e.key, e]));
  for (const r of renders)
    for (const key of r.keys) {
      const entry = byKey.get(key);
      const who = `a render in progress (pid ${r.pid})`;
      if (entry && !entry.users.includes(who)) entry.users.push(who);
    }
  // Two seconds of slack: some file systems keep modification times in whole seconds.
  const since = Math.min(...renders.map((r) => r.at)) - 2000;
  for (const e of entries)
    if (e.modified >= since && e.users.length === 0) e.users.push("made during a render in progress");
}

// What a clip, still or sound cost to make, by its sidecar (0: free, or no sidecar to say so).
export async function paidCost(paths: CachePaths, entry: CacheEntry): Promise<number> {
  return (await paidFor(paths, entry)).cost;
}

// What an output cost, and the fal request that made it (its ledger record says for which storyboard).
export async function paidFor(
  paths: CachePaths,
  entry: CacheEntry,
): Promise<{ cost: number; requestId?: string }> {
  if (!hasSidecar(entry.kind)) return { cost: 0 };
  const sidecar = await readJson<{ cost?: number; request_id?: string }>(
    sidecarFile(paths, entry.kind, entry.key),
  );
  const cost = sidecar?.cost;
  const paid = typeof cost === "number" && Number.isFinite(cost) && cost > 0 ? cost : 0;
  return { cost: paid, ...(typeof sidecar?.request_id === "string" && { requestId: sidecar.request_id }) };
}

// The entries nobody given reaches, not in flight, and older than `keepDays`.
export function collectable(entries: CacheEntry[], keepDays: number, now: number): CacheEntry[] {
  return entries.filter(
    (e) => e.users.length === 0 && !e.inFlight && now - e.modified >= keepDays * 86_400_000,
  );
}

export async function freeEntries(entries: CacheEntry[]): Promise<number> {
  let bytes = 0;
  for (const e of entries) {
    for (const f of e.files) await rm(f, { force: true });
    bytes += e.bytes;
  }
  return bytes;
}

// An entry whose bytes no longer match its sidecar (frames have none: they are taken again for free).
export async function damaged(paths: CachePaths, entry: CacheEntry): Promise<string | undefined> {
  if (!hasSidecar(entry.kind)) return undefined;
  const file = sidecarFile(paths, entry.kind, entry.key);
  const sidecar = await readSidecar(paths, entry.kind, entry.key);
  if (!sidecar?.sha256)
    return entry.files.includes(file)
      ? "its sidecar is damaged (no sha256 in it)"
      : "no sidecar (an interrupted write)";
  const got = await verified(paths, entry.kind, entry.key);
  if (got.ok) return undefined;
  // A clip and sidecar copied under another key's name would be used for the wrong shot.
  const other = `its sidecar is for another key (${String(sidecar.key).slice(0, 16)}): an output copied under this name`;
  const said: Record<Untrusted, string> = {
    "no sidecar": "no sidecar (an interrupted write)",
    "another key": other,
    missing: "its file is missing",
    size: "its bytes do not match its sidecar's sha256",
    sha256: "its bytes do not match its sidecar's sha256",
  };
  return said[got.problem];
}
