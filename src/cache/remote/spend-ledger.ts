// The spend ledger in the bucket, so a budget counts every machine's submits: one object per submit under
// v1/spend/<storyboard>/, numbered. Each is created with If-None-Match: * after counting every record before it,
// so of two machines reaching for the last of a budget, one gets the number and the other counts again and is
// refused. Written before the submit (a kill after it still counts); a submit fal refused is voided.
import { randomBytes } from "node:crypto";
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

// Names: <n>.json a record, <n>.void a record voided, <n>.<request id>.id the request fal gave it.
export async function remoteSpent(
  store: ObjectStore,
  id: StoryboardIdentity,
): Promise<{
  total: number;
  records: RemoteSpend[];
  next: number;
  // Each request id the bucket knows, with the step (cache key) whose submit it was.
  requests: Array<{ id: string; key: string | undefined }>;
}> {
  const names = await store.list(folder(id));
  const base = (name: string) => name.slice(name.lastIndexOf("/") + 1);
  const voided = new Set(names.filter((n) => n.endsWith(".void")).map((n) => n.slice(0, -5)));
  const records: RemoteSpend[] = [];
  let next = 0;
  const cache = seen.get(store) ?? new Map<string, RemoteSpend | null>();
  seen.set(store, cache);
  for (const name of names.filter((n) => n.endsWith(".json"))) {
    const n = Number(/^\d+/.exec(base(name))?.[0]);
    if (Number.isInteger(n)) next = Math.max(next, n + 1);
    if (!cache.has(name)) cache.set(name, parse((await store.getBytes(name))?.bytes));
    const record = cache.get(name);
    if (record && !voided.has(name.slice(0, -5))) records.push(record);
  }
  const total = Math.round(records.reduce((t, r) => t + r.cost, 0) * 100) / 100;
  const requests = names
    .filter((n) => n.endsWith(".id"))
    .map((n) => {
      const [stem, ...rest] = base(n).split(".");
      return { id: rest.slice(0, -1).join("."), key: cache.get(`${folder(id)}${stem}.json`)?.key };
    });
  return { total, records, next, requests };
}

// Counts the submit in the bucket before it is sent; past `budget` it is refused and nothing is written.
// Returns the record's name (to void it if fal refuses the submit). A server that ignores conditional writes
// gets names no two machines share (each record is kept, though two at once may pass the budget).
export async function reserveSpend(
  store: ObjectStore,
  id: StoryboardIdentity,
  record: RemoteSpend,
  budget: number | undefined,
  conditional = true,
): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const { total, next } = await remoteSpent(store, id);
    if (budget !== undefined && total + record.cost > budget + 1e-9)
      throw new BudgetExceededError(total, budget);
    const unique = conditional ? "" : `-${randomBytes(6).toString("hex")}`;
    const name = `${folder(id)}${number(next)}${unique}.json`;
    const put = await store.put(name, Buffer.from(JSON.stringify(record)), { ifNoneMatch: "*" });
    if (put.ok) {
      seen.get(store)?.set(name, record);
      return name;
    }
    if (put.refused === "missing") break;
  }
  throw new RemoteError("the remote spend ledger stayed contended after 50 attempts");
}

// fal refused the submit (or never had it): nothing was paid, so the record no longer counts.
export async function voidSpend(store: ObjectStore, name: string): Promise<void> {
  await store.put(`${name.slice(0, -5)}.void`, Buffer.from("{}"), { ifNoneMatch: "*" });
}

// The request fal gave the submit: another machine's look-up for a lost submit never takes it for its own.
export async function noteRequestId(store: ObjectStore, name: string, requestId: string): Promise<void> {
  if (!/^[\w-]{1,200}$/.test(requestId)) return;
  await store.put(`${name.slice(0, -5)}.${requestId}.id`, Buffer.from("{}"), { ifNoneMatch: "*" });
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
