// The S3 adapter: @aws-sdk/client-s3 (loaded only when a remote cache is used) behind ObjectStore.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { S3Client } from "@aws-sdk/client-s3";
import type { RemoteLocation } from "./location.js";
import { type ObjectStore, type Refusal, RemoteError, type StoredObject } from "./object-store.js";

// Bodies above this go up in parts (lib-storage), so a large clip is never held in memory whole.
const MULTIPART_BYTES = 32 * 1024 * 1024;

interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export async function s3Store(where: RemoteLocation): Promise<ObjectStore> {
  // The SDK is pinned to a release that supports Node 20; its warning about later releases is not for our users.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const sdk = await import("@aws-sdk/client-s3");
  const client = new sdk.S3Client({
    region: where.region,
    ...(where.endpoint && { endpoint: where.endpoint, forcePathStyle: true }),
    ...(where.credentials && { credentials: where.credentials }),
    // The newer default (a CRC32 on every request and response) breaks R2 and other S3-compatible servers.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 4,
    // No answer within these is a failed call (retried), never a wait without end.
    requestHandler: { connectionTimeout: 10_000, socketTimeout: 60_000 },
  });
  const dates = serverDates(client);
  const full = (key: string) => where.prefix + key;
  const fail = (op: string, key: string, err: unknown): never => {
    const e = err as SdkError;
    const status = e.$metadata?.httpStatusCode;
    // A body-less answer (HEAD) has no S3 code; its status says enough.
    const code =
      e.name === "Unknown" || e.name === "UnknownError" ? (status === 403 ? "AccessDenied" : e.name) : e.name;
    throw new RemoteError(
      `${op} ${where.url}${key}: ${code ?? "error"}${status ? ` (HTTP ${status})` : ""}${e.message && e.message !== e.name && e.message !== "UnknownError" ? `: ${e.message}` : ""}`,
      code,
    );
  };
  const refusal = (err: unknown): Refusal | undefined => {
    const status = (err as SdkError).$metadata?.httpStatusCode;
    // A 404 for the bucket is a setting gone wrong, not a refusal.
    if (status === 404 && (err as SdkError).name !== "NoSuchKey") return undefined;
    return status === 412
      ? "precondition"
      : status === 409
        ? "conflict"
        : status === 404
          ? "missing"
          : undefined;
  };
  const notFound = (err: unknown) => {
    const e = err as SdkError;
    return e.name !== "NoSuchBucket" && (e.$metadata?.httpStatusCode === 404 || e.name === "NoSuchKey");
  };

  const described = (
    out: { ETag?: string; LastModified?: Date; ContentLength?: number },
    date: number | undefined,
  ): StoredObject => {
    const serverDate = date ?? out.LastModified?.getTime() ?? Date.now();
    // Without Last-Modified an object reads as just written (fresh), never as stale.
    return {
      etag: out.ETag ?? "",
      lastModified: out.LastModified?.getTime() ?? serverDate,
      serverDate,
      size: out.ContentLength ?? 0,
    };
  };
  return {
    location: where.url,
    async head(key) {
      try {
        const out = await client.send(new sdk.HeadObjectCommand({ Bucket: where.bucket, Key: full(key) }));
        return described(out, dates.of(out));
      } catch (err) {
        if (notFound(err)) return undefined;
        return fail("HEAD", key, err);
      }
    },
    async getBytes(key) {
      // A body cut off on the way (the SDK does not retry those) is read again: these are small objects.
      for (let attempt = 1; ; attempt++) {
        try {
          const out = await client.send(new sdk.GetObjectCommand({ Bucket: where.bucket, Key: full(key) }));
          const bytes = Buffer.from(await out.Body!.transformToByteArray());
          if (out.ContentLength !== undefined && bytes.length !== out.ContentLength)
            throw Object.assign(new Error(`got ${bytes.length} of ${out.ContentLength} bytes`), {
              name: "Truncated",
            });
          return { bytes, object: described(out, dates.of(out)) };
        } catch (err) {
          if (notFound(err)) return undefined;
          const answered = (err as SdkError).$metadata?.httpStatusCode !== undefined;
          if (answered || attempt >= 4) return fail("GET", key, err);
        }
      }
    },
    async download(key, file) {
      try {
        const out = await client.send(new sdk.GetObjectCommand({ Bucket: where.bucket, Key: full(key) }));
        // Hashed on the way in: a second read of the file would cost as much as the transfer on a fast network.
        let size = 0;
        const hash = createHash("sha256");
        const body = out.Body as Readable;
        body.on("data", (chunk: Buffer) => {
          size += chunk.length;
          hash.update(chunk);
        });
        await pipeline(body, createWriteStream(file));
        return { size, sha256: hash.digest("hex"), etag: out.ETag ?? "" };
      } catch (err) {
        if (notFound(err)) return undefined;
        return fail("GET", key, err);
      }
    },
    async put(key, body, condition) {
      const conditional = condition
        ? "ifNoneMatch" in condition
          ? { IfNoneMatch: condition.ifNoneMatch }
          : { IfMatch: condition.ifMatch }
        : {};
      try {
        if (!Buffer.isBuffer(body) && body.size > MULTIPART_BYTES) {
          const { Upload } = await import("@aws-sdk/lib-storage");
          const { createReadStream } = await import("node:fs");
          const upload = new Upload({
            client,
            params: {
              Bucket: where.bucket,
              Key: full(key),
              Body: createReadStream(body.file),
              ...conditional,
            },
          });
          const out = await upload.done();
          return { ok: true, etag: out.ETag ?? "", serverDate: dates.of(out) ?? Date.now() };
        }
        const bytes = Buffer.isBuffer(body) ? body : await readFile(body.file);
        const out = await client.send(
          new sdk.PutObjectCommand({ Bucket: where.bucket, Key: full(key), Body: bytes, ...conditional }),
        );
        return { ok: true, etag: out.ETag ?? "", serverDate: dates.of(out) ?? Date.now() };
      } catch (err) {
        const refused = condition ? refusal(err) : undefined;
        if (refused) return { ok: false, refused };
        return fail("PUT", key, err);
      }
    },
    async delete(key, condition) {
      try {
        await client.send(
          new sdk.DeleteObjectCommand({
            Bucket: where.bucket,
            Key: full(key),
            ...(condition && { IfMatch: condition.ifMatch }),
          }),
        );
        return { ok: true };
      } catch (err) {
        const refused = refusal(err);
        if (refused) return { ok: false, refused };
        return fail("DELETE", key, err);
      }
    },
    async list(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      try {
        do {
          const out = await client.send(
            new sdk.ListObjectsV2Command({
              Bucket: where.bucket,
              Prefix: full(prefix),
              ...(token && { ContinuationToken: token }),
            }),
          );
          for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key.slice(where.prefix.length));
          token = out.IsTruncated ? out.NextContinuationToken : undefined;
        } while (token);
      } catch (err) {
        return fail("LIST", prefix, err);
      }
      return keys;
    },
  };
}

// The SDK hides response headers; this middleware keeps each answer's Date (the server's clock) beside it.
function serverDates(client: S3Client) {
  const seen = new WeakMap<object, number>();
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const headers = (result.response as { headers?: Record<string, string> }).headers;
      const date = headers?.date ? Date.parse(headers.date) : Number.NaN;
      if (result.output && !Number.isNaN(date)) seen.set(result.output as object, date);
      return result;
    },
    { step: "initialize", name: "storyreelServerDate" },
  );
  return { of: (output: object) => seen.get(output) };
}
