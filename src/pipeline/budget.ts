// render.budget caps what a storyboard spends across all its runs. Without a remote cache that is what this
// machine's spend ledger counts; with one, the bucket's ledger counts every machine, and each submit is counted
// there before it is sent, so machines sharing a bucket cannot together spend past the budget.
import { readLedger, spentOn } from "../project/spend-ledger.js";
import type { CachePaths } from "../cache/layout.js";
import type { ObjectStore } from "../cache/remote/object-store.js";
import {
  BudgetExceededError,
  noteRequestId,
  remoteSpent,
  reserveSpend,
  voidSpend,
} from "../cache/remote/spend-ledger.js";
import { isStale, readClaim } from "../cache/remote/claims.js";
import { ProviderError, RunError, UsageError } from "../errors.js";
import type { RenderContext } from "./context.js";
import type { PlannedFilm } from "./plans.js";
import { paysFor, type ShotStatus } from "../plan/plan.js";
import { newSpending } from "./spending.js";
import type { ProviderContext } from "../providers/types.js";
import type { Storyboard } from "../storyboard/types.js";
import { dollars, roundCents } from "../util/money.js";
import { storyboardIdentity } from "../util/storyboard-id.js";

export interface BudgetStatus {
  budget: number;
  spent: number;
  left: number;
  // "machine": this cache's ledger only; "team": the remote cache's ledger too.
  counts: "machine" | "team";
  // What the counting covers, for people: "this machine's cache" or the bucket.
  where: string;
  // Outside git a storyboard is known by its file name alone (every storyboard.yaml shares the budget).
  byName: boolean;
}

export async function budgetStatus(
  board: Storyboard,
  paths: CachePaths,
  store?: ObjectStore,
  // A read-only run reads the bucket's ledger but writes nothing to it: its own submits count here only.
  readonly = false,
): Promise<BudgetStatus | undefined> {
  const budget = board.render.budget;
  if (budget === undefined) return undefined;
  const spent = await spentSoFar(board, paths, store);
  const where = store
    ? `the remote cache ${store.location}${readonly ? " (this read-only run's own submits are counted on this machine only)" : ""}`
    : "this machine's cache";
  return {
    budget,
    spent,
    left: roundCents(budget - spent),
    counts: store ? "team" : "machine",
    where,
    byName: storyboardIdentity(board.path).repo === "",
  };
}

// Every ledger's count once: local records also written to the bucket are counted there.
async function spentSoFar(board: Storyboard, paths: CachePaths, store?: ObjectStore): Promise<number> {
  const id = storyboardIdentity(board.path);
  const local = spentOn(await readLedger(paths), id, store?.location);
  return roundCents(local + (store ? (await remoteSpent(store, id)).total : 0));
}

// How the plan and a refusal say whose spending the budget counts.
export function budgetScope(s: BudgetStatus): string {
  const scope =
    s.counts === "team"
      ? `counted across every machine sharing ${s.where}`
      : "counted on this machine only: other machines and CI runners with their own cache are not counted; share a --remote-cache to count them";
  return s.byName ? `${scope}; outside a git repository it counts every storyboard of this file name` : scope;
}

export function budgetLine(s: BudgetStatus, cost: number): string {
  const refused = cost > s.left + 1e-9;
  return (
    `Budget: ${dollars(s.budget)} (render.budget); ${dollars(s.spent)} spent, ${dollars(Math.max(0, s.left))} left (${budgetScope(s)})` +
    (refused ? `; a render would be REFUSED: it would spend ${dollars(cost)}` : "")
  );
}

type Gate = Pick<
  ProviderContext,
  "reserveSpend" | "voidSpend" | "noteRequest" | "paidElsewhere" | "wasVoided"
>;

// Each submit is counted in the bucket's ledger before it is sent, and refused past the budget (less what only
// this machine's ledger knows of). Without a budget the record is still written, and a failed write is no reason
// to stop paid work.
export async function spendGate(
  board: Storyboard,
  paths: CachePaths,
  store: ObjectStore,
  conditional: boolean,
): Promise<Gate> {
  const id = storyboardIdentity(board.path);
  const budget = board.render.budget;
  const localOnly = budget === undefined ? 0 : spentOn(await readLedger(paths), id, store.location);
  const host = (await import("node:os")).hostname();
  return {
    async reserveSpend(job) {
      const record = { time: new Date().toISOString(), storyboard: id.path, repo: id.repo, host, ...job };
      try {
        const left = budget === undefined ? undefined : budget - localOnly;
        const ref = await reserveSpend(store, id, record, left, conditional);
        return { bucket: store.location, ref };
      } catch (err) {
        if (err instanceof BudgetExceededError)
          throw new ProviderError(
            `${board.file}: submitting ${job.step} (${dollars(job.cost)}) would pass its render.budget of ${dollars(budget!)}: ${dollars(roundCents(err.spent + localOnly))} is spent already, counted across every machine sharing ${store.location}. Nothing was submitted.`,
            { transient: false },
          );
        if (budget === undefined) return undefined;
        throw new ProviderError(
          `the remote cache's spend ledger could not count this submit (${(err as Error).message}), so render.budget cannot be kept; nothing was submitted`,
          { transient: true },
        );
      }
    },
    async voidSpend(ref) {
      await voidSpend(store, ref).catch(() => undefined);
    },
    async wasVoided(ref) {
      return (await store.head(`${ref.slice(0, -5)}.void`).catch(() => undefined)) !== undefined;
    },
    async noteRequest(ref, requestId) {
      await noteRequestId(store, ref, requestId).catch(() => undefined);
    },
    async paidElsewhere(key) {
      const known = (await remoteSpent(store, id).catch(() => undefined))?.requests ?? [];
      // A request of this very step (a machine that took the claim over looks for it) is never excluded.
      return known.filter((r) => r.key !== key).map((r) => r.id);
    },
  };
}

// render.budget caps what a storyboard spends across all its runs, as its spend ledgers count it (this cache's,
// and the bucket's with a remote cache). Returns what each capped storyboard's budget leaves after this render's
// planned spending.
export async function checkBudgets(films: PlannedFilm[], ctx: RenderContext): Promise<Map<string, number>> {
  const leftAfter = new Map<string, number>();
  for (const { board, plan } of films) {
    const remote = ctx.remote?.settings;
    const status = await budgetStatus(board, ctx.paths, remote?.store, remote?.readonly).catch((err) => {
      throw new RunError(
        `${board.file}: render.budget cannot be checked, because the remote cache's spend ledger did not answer (${(err as Error).message}). Nothing was submitted.`,
      );
    });
    if (!status) continue;
    const resubmitUnconfirmed = ctx.request.resubmitUnconfirmed ?? false;
    const counted = remote ? await claimedElsewhere(board, plan, remote, resubmitUnconfirmed) : undefined;
    const cost = newSpending([plan], resubmitUnconfirmed, counted).cost;
    if (cost > status.left + 1e-9)
      throw new UsageError(
        `${board.file}: this render would spend ${dollars(cost)}, and its render.budget of ${dollars(status.budget)} has ${dollars(Math.max(0, status.left))} left (${dollars(status.spent)} spent so far, ${budgetScope(status)}). Nothing was submitted.`,
      );
    leftAfter.set(board.path, roundCents(status.left - cost));
  }
  return leftAfter;
}

// Steps another machine is paying for right now: counted in the bucket's ledger, and under a live claim there.
// This render waits on such a claim and collects the step, so it is not new spending here. A read-only run
// claims nothing and waits on nothing: it pays for what it makes, and counts it all.
async function claimedElsewhere(
  board: Storyboard,
  plan: PlannedFilm["plan"],
  remote: NonNullable<RenderContext["remote"]>["settings"],
  resubmitUnconfirmed: boolean,
): Promise<Set<string>> {
  if (remote.readonly || !remote.claims) return new Set();
  const making = new Set(
    [...plan.steps, ...plan.shots]
      .flatMap((s) => [{ key: s.key, status: s.status }, ...(s.takes ?? [])])
      .filter((s) => paysFor(s.status as ShotStatus, { resubmitUnconfirmed }))
      .map((s) => s.key),
  );
  const counted = (await remoteSpent(remote.store, storyboardIdentity(board.path))).records.map((r) => r.key);
  const keys = new Set(counted.filter((k) => making.has(k)));
  const live = await Promise.all(
    [...keys].map(async (key) => {
      const claim = await readClaim(remote.store, `v1/claims/${key}`);
      return claim && !isStale(claim, remote.leaseMs) ? key : undefined;
    }),
  );
  return new Set(live.filter((k): k is string => k !== undefined));
}
