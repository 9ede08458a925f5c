// What storyreel needs from an S3-compatible bucket: a few object calls, conditional writes, and the server's
// clock. The S3 adapter (s3-store.ts) implements it; tests can give an in-memory one.

export interface StoredObject {
  etag: string;
  // The server's clock: when the object was last written, and when it answered (judging leases by these
  // two never involves the local clock).
  lastModified: number;
  serverDate: number;
  size: number;
}

export type WriteCondition = { ifNoneMatch: "*" } | { ifMatch: string };

// A write the server refused: "precondition" (412: exists, or the ETag moved on), "conflict" (409: a
// concurrent conditional write; retry), "missing" (404 on If-Match: the object is gone).
export type Refusal = "precondition" | "conflict" | "missing";

export interface ObjectStore {
  // Where it is, for messages and for remembering what the server can do (never holds a credential).
  readonly location: string;
  head(key: string): Promise<StoredObject | undefined>;
  getBytes(key: string): Promise<{ bytes: Buffer; object: StoredObject } | undefined>;
  // Streams the object to `file`; returns its size and sha256 as received (the caller checks them against the record).
  download(key: string, file: string): Promise<{ size: number; sha256: string; etag: string } | undefined>;
  put(
    key: string,
    body: Buffer | { file: string; size: number },
    condition?: WriteCondition,
  ): Promise<{ ok: true; etag: string; serverDate: number } | { ok: false; refused: Refusal }>;
  delete(
    key: string,
    condition?: { ifMatch: string },
  ): Promise<{ ok: true } | { ok: false; refused: Refusal }>;
  list(prefix: string): Promise<string[]>;
}

// A call the server (or the network) failed; `code` is S3's error code or the SDK's error name.
export class RemoteError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

// Codes that mean the settings are wrong (bucket, credentials, permissions), not that the server is unwell.
export const SETTINGS_CODES = new Set([
  "NoSuchBucket",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "AccessDenied",
  "CredentialsProviderError",
  "InvalidBucketName",
  "AuthorizationHeaderMalformed",
  "PermanentRedirect",
]);
