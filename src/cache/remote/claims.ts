// Claims: one machine at a time works on a step. A claim is an object created with If-None-Match: *, kept
// alive by rewriting it with If-Match, taken over (If-Match on the stale ETag) once its holder stops, and
// judged stale by the server's clock alone.
import { randomUUID } from "node:crypto";
import { readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";
import { processAlive } from "../atomic.js";
import type { Clock } from "../../util/clock.js";
import type { ObjectStore, StoredObject } from "./object-store.js";

export interface ClaimBody {
  version: 1;
  key: string;
  // "claimed": nothing sent yet; "submitting": a submit may have reached the provider without an answer;
  // "submitted": `request_id` is the provider's request, which any machine with the team's key can collect.
  state: "claimed" | "submitting" | "submitted";
  step: string;
  holder: Holder;
  request_id?: string;
  endpoint?: string;
  input?: Record<string, unknown>;
  // When the submit was about to be sent, by the holder's clock: where fal's request listing is searched.
  submitted_at?: string;
  // Whose submit it is, and where the bucket's spend ledger counted it (carried into a taker's journal).
  storyboard?: string;
  repo?: string;
  spent_in?: { bucket: string; ref: string };
  // The holder's lease: a waiter with a shorter one still waits this long.
  lease_ms?: number;
  // This claim's own id: a create whose answer was lost (and so retried into a 412) is recognised as ours.
  nonce: string;
  // Each write's own id, so a write that landed but whose answer was lost is recognised as ours.
  write?: string;
  // Who held it before a takeover.
  taken_from?: { host: string; pid: number };
  beat: number;
}

interface Holder {
  host: string;
  pid: number;
  // Linux: this boot of this machine and this pid namespace, so a dead holder here is known for dead.
  boot?: string;
  pidns?: string;
}

// Another machine's claim: what it says, and the stored object (its ETag and the server's times).
export interface ForeignClaim {
  body: ClaimBody | undefined;
  object: StoredObject;
}

export class ClaimLostError extends Error {}

// Another machine claimed the step just as this one was about to submit it: wait for it instead.
export class ClaimedElsewhereError extends ClaimLostError {
  // undefined: the step was published meanwhile.
  constructor(readonly foreign: ForeignClaim | undefined) {
    super("another machine is making this step");
  }
}

const read = (read: () => string) => {
  try {
    return read().trim();
  } catch {
    return undefined;
  }
};
const HERE: Holder = {
  host: hostname(),
  pid: process.pid,
  ...optional(
    "boot",
    read(() => readFileSync("/proc/sys/kernel/random/boot_id", "utf8")),
  ),
  ...optional(
    "pidns",
    read(() => readlinkSync("/proc/self/ns/pid")),
  ),
};
function optional(name: string, value: string | undefined) {
  return value ? { [name]: value } : {};
}

// A claim a killed process of this machine left (same boot, same pid namespace, pid gone): no need to wait.
export function heldByDeadProcessHere(body: ClaimBody | undefined): boolean {
  const h = body?.holder;
  if (!h || !HERE.boot || !HERE.pidns || h.pid === process.pid) return false;
  if (h.boot !== HERE.boot || h.pidns !== HERE.pidns || h.host !== HERE.host) return false;
  return !processAlive(h.pid);
}

export function claimBody(key: string, step: string, leaseMs: number): ClaimBody {
  return {
    version: 1,
    key,
    state: "claimed",
    step,
    holder: HERE,
    lease_ms: leaseMs,
    nonce: randomUUID(),
    beat: 0,
  };
}

// Stale when the server has not seen a refresh for a whole lease (the longer of ours and the holder's), plus
// a second: Last-Modified has whole seconds.
export function isStale(claim: ForeignClaim, leaseMs: number): boolean {
  const lease = Math.max(leaseMs, claim.body?.lease_ms ?? 0);
  return claim.object.serverDate - claim.object.lastModified > lease + 1000;
}

export class HeldClaim {
  private timer: NodeJS.Timeout | undefined;
  private lost = false;
  // Every write goes through this chain: a refresh and a recorded submit must never race on one ETag.
  private writes: Promise<unknown> = Promise.resolve();
  // What the claim should say: a write that fails is carried by the next refresh.
  private target: ClaimBody;
  constructor(
    private readonly store: ObjectStore,
    readonly name: string,
    private etag: string,
    public body: ClaimBody,
    private readonly clock: Clock,
  ) {
    this.target = body;
  }

  // Rewrite the claim (the submit, then the request id), only while it is still ours.
  update(patch: Partial<ClaimBody>): Promise<void> {
    this.target = { ...this.target, ...patch };
    const write = this.writes.then(() => this.write());
    this.writes = write.catch(() => undefined);
    return write;
  }

  private async write(): Promise<void> {
    if (this.lost) throw new ClaimLostError(`another machine took over ${this.body.step}`);
    const body = { ...this.target, beat: this.body.beat + 1, write: randomUUID() };
    for (let attempt = 1; ; attempt++) {
      const put = await this.store.put(this.name, Buffer.from(JSON.stringify(body)), { ifMatch: this.etag });
      if (put.ok) return this.wrote(put.etag, body);
      // A write that landed but whose answer was lost comes back as a 412 on its own ETag: it is still ours.
      const now = await readClaim(this.store, this.name);
      if (now?.body?.write === body.write) return this.wrote(now.object.etag, body);
      if (put.refused === "conflict" && attempt < 5) {
        await this.clock.sleep(50 * attempt);
        continue;
      }
      this.lost = true;
      throw new ClaimLostError(`another machine took over ${this.body.step} (its claim was ${put.refused})`);
    }
  }

  private wrote(etag: string, body: ClaimBody): void {
    this.etag = etag;
    this.body = body;
  }

  // Refreshes every `everyMs`; a refresh that fails on the network is tried again at the next beat.
  keepAlive(everyMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (!this.lost) this.update({}).catch(() => undefined);
    }, everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  // Released only while still ours; a claim taken over belongs to its new holder.
  async release(): Promise<void> {
    this.stop();
    await this.writes;
    if (!this.lost) await this.store.delete(this.name, { ifMatch: this.etag });
  }
}

// Create the claim, or say whose it is. A 409 (two conditional writes at once) is tried again after a jittered wait.
export async function claim(
  store: ObjectStore,
  name: string,
  body: ClaimBody,
  clock: Clock,
): Promise<HeldClaim | ForeignClaim> {
  for (let attempt = 1; attempt <= 20; attempt++) {
    const put = await store.put(name, Buffer.from(JSON.stringify(body)), { ifNoneMatch: "*" });
    if (put.ok) return new HeldClaim(store, name, put.etag, body, clock);
    if (put.refused === "precondition") {
      const current = await readClaim(store, name);
      if (current?.body?.nonce === body.nonce)
        return new HeldClaim(store, name, current.object.etag, current.body, clock);
      if (current) return current;
      // Released between our write and our read: try again.
    }
    await clock.sleep(50 * attempt + Math.floor(Math.random() * 100 * attempt));
  }
  throw new Error(`the remote cache kept refusing ${name} without saying whose it is (409 or 412)`);
}

export async function readClaim(store: ObjectStore, name: string): Promise<ForeignClaim | undefined> {
  const got = await store.getBytes(name);
  if (!got) return undefined;
  return { body: parseClaim(got.bytes), object: got.object };
}

// Take over a stale claim: exactly one machine's If-Match on the stale ETag succeeds.
export async function takeOver(
  store: ObjectStore,
  name: string,
  stale: ForeignClaim,
  mine: ClaimBody,
  clock: Clock,
): Promise<HeldClaim | undefined> {
  const old = stale.body;
  const body: ClaimBody = {
    ...mine,
    // The request the old holder recorded travels with the claim: the new holder collects it.
    ...(old?.state && old.state !== "claimed" && { state: old.state }),
    ...(old?.request_id && { request_id: old.request_id }),
    ...(old?.endpoint && { endpoint: old.endpoint }),
    ...(old?.input && { input: old.input }),
    ...(old?.submitted_at && { submitted_at: old.submitted_at }),
    ...(old?.storyboard && { storyboard: old.storyboard }),
    ...(old?.repo && { repo: old.repo }),
    ...(old?.spent_in && { spent_in: old.spent_in }),
    ...(old?.holder && { taken_from: { host: old.holder.host, pid: old.holder.pid } }),
    beat: (old?.beat ?? 0) + 1,
  };
  const put = await store.put(name, Buffer.from(JSON.stringify(body)), { ifMatch: stale.object.etag });
  return put.ok ? new HeldClaim(store, name, put.etag, body, clock) : undefined;
}

function parseClaim(bytes: Buffer): ClaimBody | undefined {
  try {
    const body = JSON.parse(bytes.toString("utf8")) as ClaimBody;
    return body && typeof body === "object" && typeof body.state === "string" ? body : undefined;
  } catch {
    return undefined;
  }
}
