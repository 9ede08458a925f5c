// The spend ledger in the bucket, so a budget counts every machine's submits: one object per submit under
// v1/spend/<storyboard>/, numbered. Each is created with If-None-Match: * after counting every record before it,
// so of two machines reaching for the last of a budget, one gets the number and the other counts again and is
// refused. Written before the submit (a kill after it still counts); a submit fal refused is voided.
import { canonicalJson, sha256 } from "../../util/hash.js";
import type { StoryboardIdentity } from "../../util/storyboard-id.js";
import { type ObjectStore, RemoteError } from "./object-store.js";

export interface RemoteSpend {
  time: string;
  storyboard: string;
  repo: string;
  step: string;
  key: string;
  model: string;
  cost: number;
  host: string;
}

export class BudgetExceededError extends Error {
  override name = "BudgetExceededError";
  constructor(
    readonly spent: number,
    readonly budget: number,
  ) {
    super(`the budget of $${budget.toFixed(2)} has $${Math.max(0, budget - spent).toFixed(2)} left`);
  }
}

const folder = (id: StoryboardIdentity) =>
  `v1/spend/${sha256(canonicalJson([id.repo, id.path])).slice(0, 32)}/`;
const number = (n: number) => String(n).padStart(10, "0");

// Records never change once written, so each is read once per process.
const seen = new WeakMap<ObjectStore, Map<string, RemoteSpend | null>>();

export async function remoteSpent(
  store: ObjectStore,
  id: StoryboardIdentity,
): Promise<{ total: number; records: RemoteSpend[]; next: number }> {
  const names = await store.list(folder(id));
  const voided = new Set(names.filter((n) => n.endsWith(".void")).map((n) => n.slice(0, -5)));
  const records: RemoteSpend[] = [];
  let next = 0;
  const cache = seen.get(store) ?? new Map<string, RemoteSpend | null>();
  seen.set(store, cache);
  for (const name of names.filter((n) => n.endsWith(".json"))) {
    const n = Number(name.slice(name.lastIndexOf("/") + 1, -5));
    if (Number.isInteger(n)) next = Math.max(next, n + 1);
    if (!cache.has(name)) cache.set(name, parse((await store.getBytes(name))?.bytes));
    const record = cache.get(name);
    if (record && !voided.has(name.slice(0, -5))) records.push(record);
  }
  const total = Math.round(records.reduce((t, r) => t + r.cost, 0) * 100) / 100;
  return { total, records, next };
}

// Counts the submit in the bucket before it is sent; past `budget` it is refused and nothing is written.
// Returns the record's name (to void it if fal refuses the submit).
export async function reserveSpend(
  store: ObjectStore,
  id: StoryboardIdentity,
  record: RemoteSpend,
  budget: number | undefined,
): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const { total, next } = await remoteSpent(store, id);
    if (budget !== undefined && total + record.cost > budget + 1e-9)
      throw new BudgetExceededError(total, budget);
    const name = `${folder(id)}${number(next)}.json`;
    const put = await store.put(name, Buffer.from(JSON.stringify(record)), { ifNoneMatch: "*" });
    if (put.ok) {
      seen.get(store)?.set(name, record);
      return name;
    }
    if (put.refused === "missing") break;
  }
  throw new RemoteError("the remote spend ledger stayed contended after 50 attempts");
}

// fal answered and refused the submit: nothing was paid, so the record no longer counts.
export async function voidSpend(store: ObjectStore, name: string): Promise<void> {
  await store.put(`${name.slice(0, -5)}.void`, Buffer.from("{}"), { ifNoneMatch: "*" });
}

function parse(bytes: Buffer | undefined): RemoteSpend | null {
  if (!bytes) return null;
  try {
    const r = JSON.parse(bytes.toString("utf8")) as RemoteSpend;
    return typeof r.cost === "number" && Number.isFinite(r.cost) && r.cost >= 0 ? r : null;
  } catch {
    // A record cut short or written by something else counts as nothing, as a torn local line does.
    return null;
  }
}
