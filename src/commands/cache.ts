// `storyreel cache ls|verify|gc|forget`: what the cache holds and for whom, whether it is intact, freeing what
// nothing reaches, and clearing a journaled request fal keeps refusing.
import { cachePaths, resolveCacheDir } from "../cache/layout.js";
import { RunError, UsageError } from "../errors.js";
import path from "node:path";
import { readLock } from "../project/lockfile.js";
import { ofStoryboard, readLedger } from "../project/spend-ledger.js";
import { storyboardIdentity } from "../util/storyboard-id.js";
import {
  type CacheEntry,
  cacheEntries,
  collectable,
  damaged,
  freeEntries,
  markFilmPieces,
  markLiveRenders,
  markUsers,
  paidFor,
} from "./cache-admin.js";
import { liveRenders } from "../cache/live-renders.js";
import { dollars, sumCosts } from "../util/money.js";
import { planStoryboards } from "../pipeline/index.js";
import { modelsDirOf, parseCommand, providerOption } from "./args.js";
import type { CliContext } from "./context.js";
import { count } from "../util/words.js";
import { forget } from "./cache-forget.js";
import { cacheRemoteCommand, forgetClaim, repairAll } from "./cache-remote.js";
import { REMOTE_OPTIONS } from "./remote-options.js";

export const CACHE_USAGE = `Usage: storyreel cache <ls|verify|gc|forget|push|pull> [options]

  ls [storyboard.yaml...]        every clip, still and frame with its size, and which storyboards and takes use it
  verify [--repair]              check every clip's, still's and sound's sha256 (and key) against its sidecar; name the
                                 damaged ones; --repair fetches paid ones again, byte-identical, from fal or the remote
                                 cache, removes free ones (the next render makes them again), and says what it could not
  gc <storyboard.yaml...>        free what none of these storyboards (and their locks) can reach; locked and picked
     [other.lock.yaml...]        outputs are kept, and so is what any lockfile given reaches (an older commit's, say),
     [--keep-days N] [--dry-run] anything younger than N days (default 0), what running renders use or just made,
     [--all]                     and paid outputs none of them uses (another project's on a shared cache) unless --all
  forget <request-id|key|shot>   ask fal about a journaled request, say what it answered, then clear it; a submit
                                 that got no answer is first looked for in fal's request listing, and if fal has
                                 it, it is journaled with its request id instead (the next render collects it)
  push                           upload every clip and still the remote cache lacks (needs --remote-cache)
  pull <storyboard.yaml...>      fetch everything the storyboards' locks name from the remote cache

Options: --cache-dir DIR, --provider fal|preview (only that provider's keys count as reached; default both),
         --fal-proxy URL (or $FAL_PROXY_URL: forget asks fal through fal's proxy protocol),
         --remote-cache s3://BUCKET/PREFIX (or $STORYREEL_REMOTE_CACHE), --remote-cache-readonly`;

const MB = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;

export async function cacheCommand(argv: string[], ctx: CliContext): Promise<void> {
  const { values, positionals } = parseCommand(
    "cache",
    argv,
    {
      "cache-dir": { type: "string" },
      provider: { type: "string" },
      "keep-days": { type: "string" },
      "dry-run": { type: "boolean" },
      all: { type: "boolean" },
      repair: { type: "boolean" },
      "fal-proxy": { type: "string" },
      ...REMOTE_OPTIONS,
    },
    CACHE_USAGE,
  );
  const [sub, ...rest] = positionals;
  if (values.help || !sub) return ctx.stdout(CACHE_USAGE);
  const cacheDir = resolveCacheDir(values["cache-dir"] as string | undefined, ctx.env, ctx.cwd);
  const paths = cachePaths(cacheDir);
  const provider = providerOption(values.provider as string | undefined, "fal");
  // Without --provider, what either provider's keys reach: a preview take is as much in use as a fal one.
  const providers = values.provider === undefined ? (["fal", "preview"] as const) : [provider];
  // Lockfiles given on their own (an older commit's, say) keep what they name, like the storyboards' own locks.
  const locks = rest.filter((f) => f.endsWith(".lock.yaml"));
  const boards = rest.filter((f) => !f.endsWith(".lock.yaml"));
  const markLocks = async (entries: CacheEntry[]) => {
    for (const file of locks) {
      const lock = await readLock(path.resolve(ctx.cwd, file));
      if (!lock) throw new UsageError(`file not found: ${file}`);
      const byKey = new Map(entries.map((e) => [e.key, e]));
      for (const s of lock.steps) byKey.get(s.key)?.users.push(`${file} ${s.id} (locked)`);
    }
  };
  const films = async (files: string[]) => {
    if (!files.length) return [];
    const plans = await Promise.all(
      providers.map((p) =>
        planStoryboards({ files, cwd: ctx.cwd, provider: p, cacheDir, ...modelsDirOf(ctx) }),
      ),
    );
    return plans.flatMap((p) => p.films);
  };
  switch (sub) {
    case "ls": {
      const entries = await cacheEntries(paths);
      const planned = await films(boards);
      markUsers(entries, planned);
      await markFilmPieces(entries, planned);
      await markLocks(entries);
      for (const e of entries)
        ctx.stdout(
          `${e.kind.padEnd(5)}  ${e.key.slice(0, 16)}  ${MB(e.bytes).padStart(9)}  ${e.users.join(", ") || (rest.length ? "(unreachable)" : "")}`,
        );
      const total = entries.reduce((t, e) => t + e.bytes, 0);
      return ctx.stdout(`${entries.length} entries, ${MB(total)} in ${cacheDir}`);
    }
    case "verify": {
      const entries = await cacheEntries(paths);
      const bad: { entry: CacheEntry; why: string }[] = [];
      for (const e of entries) {
        const why = await damaged(paths, e);
        if (why) bad.push({ entry: e, why });
      }
      for (const b of bad) ctx.stdout(`damaged: ${b.entry.kind} ${b.entry.key}: ${b.why}`);
      ctx.stdout(`${entries.length - bad.length} of ${entries.length} entries intact`);
      if (bad.length === 0) return;
      if (!values.repair)
        throw new RunError(
          `${count(bad.length, "damaged cache entry", "damaged cache entries")}; \`storyreel cache verify --repair\` fetches paid ones again (from fal while it still serves them, or the remote cache; free) and removes free ones, which the next render makes again`,
        );
      return repairAll(bad, paths, values, ctx);
    }
    case "gc": {
      if (rest.length === 0)
        throw new UsageError(
          "cache gc needs the storyboards whose outputs to keep: everything none of them reaches is freed",
        );
      const keepDays = Number(values["keep-days"] ?? 0);
      if (!(keepDays >= 0))
        throw new UsageError(`--keep-days must be a number of days from 0 (got "${values["keep-days"]}")`);
      const entries = await cacheEntries(paths);
      const planned = await films(boards);
      markUsers(entries, planned);
      await markFilmPieces(entries, planned);
      await markLocks(entries);
      // Looked at last, just before freeing: what renders running now use or have just made stays.
      markLiveRenders(entries, await liveRenders(paths));
      const unreached = collectable(entries, keepDays, Date.now());
      // On a shared cache, another project's paid outputs are reached by storyboards not given here. An output
      // the ledger says a given storyboard paid for (an earlier version of it) is that storyboard's to free.
      const paid = new Map<CacheEntry, number>();
      const given = boards.map((f) => storyboardIdentity(path.resolve(ctx.cwd, f)));
      const payer = new Map((await readLedger(paths)).map((r) => [r.request_id, r]));
      if (!values.all)
        for (const e of unreached) {
          const { cost, requestId } = await paidFor(paths, e);
          const record = requestId === undefined ? undefined : payer.get(requestId);
          const ours = record !== undefined && given.some((id) => ofStoryboard(record, id));
          if (cost > 0 && !ours) paid.set(e, cost);
        }
      const free = unreached.filter((e) => !paid.has(e));
      const bytes = free.reduce((t, e) => t + e.bytes, 0);
      for (const e of free)
        ctx.stdout(
          `${values["dry-run"] ? "would free" : "freed"} ${e.kind} ${e.key.slice(0, 16)} (${MB(e.bytes)})`,
        );
      if (!values["dry-run"]) await freeEntries(free);
      const kept = entries.length - free.length;
      ctx.stdout(
        `${values["dry-run"] ? "Would free" : "Freed"} ${free.length} ${free.length === 1 ? "entry" : "entries"}, ${bytes} bytes (${MB(bytes)}); kept ${kept}`,
      );
      if (paid.size > 0)
        ctx.stdout(
          `Kept ${count(paid.size, "paid output")} no given storyboard uses (${dollars(sumCosts(paid.values()))}): another project on this cache may use ${paid.size === 1 ? "it" : "them"}; pass --all to free ${paid.size === 1 ? "it" : "them"}`,
        );
      return;
    }
    case "forget": {
      const key = await forget(rest[0], paths, values["fal-proxy"] as string | undefined, ctx);
      // A request found in fal's listing is kept, and so is its claim: whoever takes the claim over collects it.
      if (key) return forgetClaim(key, values, ctx);
      return;
    }
    case "push":
    case "pull":
      return cacheRemoteCommand(sub, rest, values, paths, ctx);
    default:
      throw new UsageError(
        `unknown cache command "${sub}"; use ls, verify, gc, forget, push or pull\n\n${CACHE_USAGE}`,
      );
  }
}
