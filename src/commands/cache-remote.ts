// `storyreel cache push` and `storyreel cache pull <storyboard.yaml|name.lock.yaml...>` against the remote cache.
import path from "node:path";
import type { CachePaths } from "../cache/layout.js";
import { lockPath, readLock } from "../project/lockfile.js";
import { RunError, UsageError } from "../errors.js";
import { connectRemote, openRemote } from "../pipeline/remote.js";
import { heldByDeadProcessHere, isStale, readClaim } from "../cache/remote/claims.js";
import { DEFAULT_LEASE_MS } from "../cache/remote/remote-cache.js";
import { pullLocked, pushAll } from "./cache-push-pull.js";
import type { CacheEntry } from "./cache-admin.js";
import { repairEntry } from "./cache-repair.js";
import type { RemoteCache } from "../cache/remote/remote-cache.js";
import { systemClock } from "../util/clock.js";
import { count } from "../util/words.js";
import { statIfExists } from "../util/fs.js";
import type { CliContext } from "./context.js";
import { remoteChoice, requireRemote } from "./remote-options.js";

const MB = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;

export async function cacheRemoteCommand(
  sub: "push" | "pull",
  files: string[],
  values: Record<string, string | boolean | undefined>,
  paths: CachePaths,
  ctx: CliContext,
): Promise<void> {
  const choice = requireRemote(values, ctx.env, `cache ${sub}`);
  if (sub === "push" && choice.readonly)
    throw new UsageError("cache push uploads, and --remote-cache-readonly forbids that");
  if (sub === "push" && files.length > 0)
    throw new UsageError("cache push takes no files: it uploads every clip and still the bucket lacks");
  if (sub === "pull" && files.length === 0)
    throw new UsageError(
      "cache pull needs storyboards (or their .lock.yaml files): it fetches what their locks name",
    );
  // Every lock is read before anything is fetched: a missing one is named, and nothing moves.
  const locks = [];
  for (const file of files) {
    const full = path.resolve(ctx.cwd, file);
    if (!(await statIfExists(full))) throw new UsageError(`file not found: ${file}`);
    const lockFile = file.endsWith(".lock.yaml") ? full : lockPath(full);
    const lock = await readLock(lockFile);
    if (!lock)
      throw new UsageError(
        `${path.relative(ctx.cwd, lockFile)} does not exist: cache pull fetches what a storyboard's lock names (render once, then commit the lock)`,
      );
    locks.push(lock);
  }
  const settings = { ...choice, readonly: choice.readonly || sub === "pull" };
  const store = await connectRemote(settings);
  const remote = await openRemote(store, settings, paths, systemClock, (e) => {
    if (e.type === "notice") ctx.stderr(e.text);
  });
  if (sub === "push") {
    const r = await pushAll(paths, remote);
    for (const s of r.pushed) ctx.stdout(`pushed ${s}`);
    ctx.stdout(
      `Pushed ${count(r.pushed.length, "output")} to ${remote.location}${r.restored ? `, restored ${count(r.restored, "output")} it had lost` : ""}; ${r.already} already there`,
    );
    for (const d of r.damaged) ctx.stdout(`skipped ${d}: damaged (its bytes do not match its sidecar)`);
    const problems = [
      ...(r.failed.length
        ? [`could not push ${r.failed.map((f) => `${f.step} (${f.why})`).join(", ")}; run cache push again`]
        : []),
      ...(r.damaged.length
        ? [
            `did not push ${count(r.damaged.length, "damaged output")} (${r.damaged.join(", ")}): run \`storyreel cache verify --repair\`, then cache push again`,
          ]
        : []),
    ];
    if (problems.length) throw new RunError(problems.join("; "));
    return;
  }
  const r = await pullLocked(locks, paths, remote);
  for (const f of r.fetched) ctx.stdout(`pulled ${f.step} (${MB(f.bytes)})`);
  const bytes = r.fetched.reduce((t, f) => t + f.bytes, 0);
  ctx.stdout(
    `Pulled ${count(r.fetched.length, "output")} (${MB(bytes)}) from ${remote.location}; ${r.present} already here`,
  );
  const problems = [
    ...r.absent.map((s) => `${s} (not in the remote cache)`),
    ...r.failed.map((f) => `${f.step} (${f.why})`),
  ];
  if (problems.length) throw new RunError(`could not pull ${problems.join(", ")}`);
}

// `cache forget` with a remote cache: the step's claim in the bucket goes too, unless its holder is alive
// (refreshed within its lease), so the next render on any machine submits it again, as forget promises.
export async function forgetClaim(
  key: string,
  values: Record<string, string | boolean | undefined>,
  ctx: CliContext,
): Promise<void> {
  const choice = remoteChoice(values, ctx.env);
  if (!choice || choice.readonly) return;
  const store = await connectRemote(choice);
  const name = `v1/claims/${key}`;
  const claim = await readClaim(store, name);
  if (!claim) return;
  if (!isStale(claim, choice.leaseMs ?? DEFAULT_LEASE_MS) && !heldByDeadProcessHere(claim.body)) {
    ctx.stdout(
      `Its claim in ${store.location} is alive (another machine refreshed it within its lease), so it stays: that machine is still making it.`,
    );
    return;
  }
  const gone = await store.delete(name, { ifMatch: claim.object.etag });
  ctx.stdout(
    gone.ok
      ? `Cleared its claim in ${store.location} too.`
      : `Its claim in ${store.location} changed meanwhile (another machine took it over), so it stays.`,
  );
}

// `cache verify --repair`: each damaged entry fetched again from fal, else from the remote cache when one is set
// (read only: nothing is uploaded), else, when it cost nothing, removed for the next render to make again.
export async function repairAll(
  bad: { entry: CacheEntry; why: string }[],
  paths: CachePaths,
  values: Record<string, string | boolean | undefined>,
  ctx: CliContext,
): Promise<void> {
  const choice = remoteChoice(values, ctx.env);
  let remote: RemoteCache | undefined;
  if (choice) {
    const settings = { ...choice, readonly: true };
    const store = await connectRemote(settings);
    remote = await openRemote(store, settings, paths, systemClock, (e) => {
      if (e.type === "notice") ctx.stderr(e.text);
    });
  }
  const failed: string[] = [];
  for (const { entry } of bad) {
    const r = await repairEntry(paths, entry, remote);
    const name = `${entry.kind} ${entry.key.slice(0, 16)}`;
    ctx.stdout(`${r.repaired ? "repaired" : "could not repair"} ${name}: ${r.said}`);
    if (!r.repaired) failed.push(`${name} (${r.said})`);
  }
  ctx.stdout(
    `Repaired ${bad.length - failed.length} of ${count(bad.length, "damaged entry", "damaged entries")}`,
  );
  if (failed.length > 0) throw new RunError(`could not repair ${failed.join(", ")}`);
}
