// Reads from the bucket are tried again with backoff: a few seconds of 503s (an outage, throttling) must not fail
// every step that starts meanwhile. The SDK's own retries span well under a second; these span about 8 s.
// Writes are not wrapped: the claim protocol and the uploads decide themselves what a failed write means.
import type { Clock } from "../../util/clock.js";
import { type ObjectStore, RemoteError, SETTINGS_CODES } from "./object-store.js";

// The waits between attempts, in ms (each with up to a quarter more, at random, so machines do not retry in step).
export const READ_BACKOFF_MS = [250, 500, 1000, 2000, 4000];

export function withReadRetries(store: ObjectStore, clock: Clock, backoff = READ_BACKOFF_MS): ObjectStore {
  const retried =
    <A extends unknown[], R>(read: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      whileTransient(() => read(...args), clock, backoff);
  return {
    location: store.location,
    head: retried((key) => store.head(key)),
    getBytes: retried((key) => store.getBytes(key)),
    download: retried((key, file) => store.download(key, file)),
    list: retried((prefix) => store.list(prefix)),
    put: (key, body, condition) => store.put(key, body, condition),
    delete: (key, condition) => store.delete(key, condition),
  };
}

// One call tried again with backoff while the server's failure is one time may heal.
export async function whileTransient<R>(
  call: () => Promise<R>,
  clock: Clock,
  backoff = READ_BACKOFF_MS,
): Promise<R> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const wait = backoff[attempt];
      // Wrong settings (a bucket, a credential) do not heal with time.
      if (wait === undefined || !transient(err)) throw err;
      await clock.sleep(wait + Math.floor(Math.random() * (wait / 4)));
    }
  }
}

// What time may heal: anything but wrong settings (a bucket, a credential).
export function transient(err: unknown): boolean {
  if (!(err instanceof RemoteError)) return false;
  return err.code === undefined || !SETTINGS_CODES.has(err.code);
}
