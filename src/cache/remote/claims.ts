// Claims: one machine at a time works on a step. A claim is an object created with If-None-Match: *, kept
// alive by rewriting it with If-Match, taken over (If-Match on the stale ETag) once its holder stops, and
// judged stale by the server's clock alone.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
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
  holder: { host: string; pid: number; boot?: string };
  request_id?: string;
  endpoint?: string;
  input?: Record<string, unknown>;
  // This claim's own id: a create whose answer was lost (and so retried into a 412) is recognised as ours.
  nonce: string;
  // Who held it before a takeover.
  taken_from?: { host: string; pid: number };
  // Changes on every refresh, so a refresh always moves the ETag on (an unchanged body keeps its ETag).
  beat: number;
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

// This boot of this machine (Linux), so a claim left by a dead process here is recognised at once.
const BOOT = (() => {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return undefined;
  }
})();

// A claim this machine's own killed process left: no need to wait out its lease.
export function heldByDeadProcessHere(body: ClaimBody | undefined): boolean {
  const h = body?.holder;
  if (!h || !BOOT || h.boot !== BOOT || h.host !== hostname() || h.pid === process.pid) return false;
  return !processAlive(h.pid);
}

export function claimBody(key: string, step: string): ClaimBody {
  return {
    version: 1,
    key,
    state: "claimed",
    step,
    holder: { host: hostname(), pid: process.pid, ...(BOOT && { boot: BOOT }) },
    nonce: randomUUID(),
    beat: 0,
  };
}

// Stale when the server has not seen a refresh for a whole lease (plus a second: Last-Modified has whole seconds).
export function isStale(object: StoredObject, leaseMs: number): boolean {
  return object.serverDate - object.lastModified > leaseMs + 1000;
}

export class HeldClaim {
  private timer: NodeJS.Timeout | undefined;
  private lost = false;
  // Every write goes through this chain: a refresh and a recorded submit must never race on one ETag.
  private writes: Promise<unknown> = Promise.resolve();
  constructor(
    private readonly store: ObjectStore,
    readonly name: string,
    private etag: string,
    public body: ClaimBody,
    private readonly clock?: Clock,
  ) {}

  // Rewrite the claim (the submit, then the request id), only while it is still ours.
  update(patch: Partial<ClaimBody>): Promise<void> {
    const write = this.writes.then(() => this.write(patch));
    this.writes = write.catch(() => undefined);
    return write;
  }

  private async write(patch: Partial<ClaimBody>): Promise<void> {
    if (this.lost) throw new ClaimLostError(`another machine took over ${this.body.step}`);
    const body = { ...this.body, ...patch, beat: this.body.beat + 1 };
    for (let attempt = 1; ; attempt++) {
      const put = await this.store.put(this.name, Buffer.from(JSON.stringify(body)), { ifMatch: this.etag });
      if (put.ok) {
        this.etag = put.etag;
        this.body = body;
        return;
      }
      // A write that landed but whose answer was lost comes back as a 412 on its own ETag: it is still ours.
      const now = await readClaim(this.store, this.name);
      if (now?.body?.nonce === body.nonce && now.body.beat === body.beat) {
        this.etag = now.object.etag;
        this.body = body;
        return;
      }
      if (put.refused === "conflict" && attempt < 5) {
        await (this.clock?.sleep(50 * attempt) ?? Promise.resolve());
        continue;
      }
      this.lost = true;
      throw new ClaimLostError(`another machine took over ${this.body.step} (its claim was ${put.refused})`);
    }
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
  for (let attempt = 1; ; attempt++) {
    const put = await store.put(name, Buffer.from(JSON.stringify(body)), { ifNoneMatch: "*" });
    if (put.ok) return new HeldClaim(store, name, put.etag, body, clock);
    if (put.refused === "precondition") {
      const current = await readClaim(store, name);
      if (current?.body?.nonce === body.nonce)
        return new HeldClaim(store, name, current.object.etag, current.body);
      // Released between our write and our read: try again at once.
      if (current) return current;
    } else if (attempt >= 8) {
      throw new Error(`the remote cache kept answering 409 Conflict for ${name}`);
    } else await clock.sleep(50 * attempt + Math.floor(Math.random() * 100 * attempt));
  }
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
  step: string,
): Promise<HeldClaim | undefined> {
  const old = stale.body;
  const body: ClaimBody = {
    ...claimBody(old?.key ?? name, step),
    // The request the old holder recorded travels with the claim: the new holder collects it.
    ...(old?.state && old.state !== "claimed" && { state: old.state }),
    ...(old?.request_id && { request_id: old.request_id }),
    ...(old?.endpoint && { endpoint: old.endpoint }),
    ...(old?.input && { input: old.input }),
    ...(old?.holder && { taken_from: { host: old.holder.host, pid: old.holder.pid } }),
    beat: (old?.beat ?? 0) + 1,
  };
  const put = await store.put(name, Buffer.from(JSON.stringify(body)), { ifMatch: stale.object.etag });
  return put.ok ? new HeldClaim(store, name, put.etag, body) : undefined;
}

function parseClaim(bytes: Buffer): ClaimBody | undefined {
  try {
    const body = JSON.parse(bytes.toString("utf8")) as ClaimBody;
    return body && typeof body === "object" && typeof body.state === "string" ? body : undefined;
  } catch {
    return undefined;
  }
}
