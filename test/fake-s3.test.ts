// The fake S3 (testkit/fake-s3.ts) against the real @aws-sdk/client-s3 and lib-storage, and s3rver for contrast.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { after, describe, test } from "node:test";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  type S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { type FakeS3, type FakeS3Options, startFakeS3 } from "../testkit/fake-s3.js";
import { startS3rver } from "../testkit/s3rver.js";

const Bucket = "storyreel";
const fakes: FakeS3[] = [];
after(() => Promise.all(fakes.map((f) => f.close())));

async function fresh(options: FakeS3Options = {}, config: S3ClientConfig = {}) {
  const fake = await startFakeS3(options);
  fakes.push(fake);
  const s3 = new S3Client({
    endpoint: fake.url,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    ...config,
  });
  // The SDK does not surface the Date header; read it off the raw response.
  const dates: string[] = [];
  s3.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      dates.push((out.response as { headers: Record<string, string> }).headers.date ?? "");
      return out;
    },
    { step: "deserialize" },
  );
  return { fake, s3, dates };
}

// Asserts the rejection is the named S3 exception with that status, as callers would branch on it.
async function rejectsWith(promise: Promise<unknown>, name: string, status: number): Promise<void> {
  await assert.rejects(promise, (error: S3ServiceException) => {
    assert.equal(error.name, name);
    assert.equal(error.$metadata.httpStatusCode, status);
    return true;
  });
}

const md5 = (b: Buffer | string) => `"${createHash("md5").update(b).digest("hex")}"`;

describe("fake S3 with the real AWS SDK", () => {
  test("put, get, head, ranged get, delete: ETag, Last-Modified, Date, metadata; 404s", async () => {
    const { fake, s3, dates } = await fresh();
    const before = Math.floor(Date.now() / 1000) * 1000;
    const put = await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: "clips/a b.mp4",
        Body: "hello world",
        ContentType: "video/mp4",
        Metadata: { Shot: "s1" },
      }),
    );
    assert.equal(put.ETag, md5("hello world"));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: "clips/a b.mp4" }));
    assert.equal(await got.Body!.transformToString(), "hello world");
    assert.equal(got.ContentType, "video/mp4");
    assert.deepEqual(got.Metadata, { shot: "s1" });
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: "clips/a b.mp4" }));
    assert.equal(head.ContentLength, 11);
    assert.equal(head.ETag, put.ETag);
    assert.equal(head.LastModified!.getTime() % 1000, 0);
    assert.ok(head.LastModified!.getTime() >= before && head.LastModified!.getTime() <= Date.now());
    assert.ok(Math.abs(Date.parse(dates.at(-1)!) - Date.now()) < 2000);
    const part = await s3.send(new GetObjectCommand({ Bucket, Key: "clips/a b.mp4", Range: "bytes=6-10" }));
    assert.equal(part.$metadata.httpStatusCode, 206);
    assert.equal(part.ContentRange, "bytes 6-10/11");
    assert.equal(await part.Body!.transformToString(), "world");
    const del = await s3.send(new DeleteObjectCommand({ Bucket, Key: "clips/a b.mp4" }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    await rejectsWith(s3.send(new GetObjectCommand({ Bucket, Key: "clips/a b.mp4" })), "NoSuchKey", 404);
    // A HEAD error has no body, so the SDK can only name it after the status.
    await rejectsWith(s3.send(new HeadObjectCommand({ Bucket, Key: "clips/a b.mp4" })), "NotFound", 404);
    await rejectsWith(s3.send(new GetObjectCommand({ Bucket: "other", Key: "x" })), "NoSuchBucket", 404);
    assert.deepEqual(
      ["put", "get", "head", "delete"].map((op) => fake.count(op as "put", "clips/")),
      [1, 3, 2, 1],
    );
    assert.equal(fake.requests[0]!.key, "clips/a b.mp4");
    assert.equal(fake.requests[0]!.headers["x-amz-meta-shot"], "s1");
  });

  test("ListObjectsV2: pages by MaxKeys and continuation token, StartAfter, Delimiter", async () => {
    const { fake, s3 } = await fresh();
    const keys = ["c/7", "c/1", "c/3", "c/2", "c/6", "c/4", "c/5"];
    for (const key of [...keys, "d/1", "c/sub/1", "c/sub/2"]) fake.put(key, key);
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket,
          Prefix: "c/",
          Delimiter: "/",
          MaxKeys: 3,
          ContinuationToken: token,
        }),
      );
      pages.push([
        ...(page.Contents ?? []).map((c) => c.Key!),
        ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!),
      ]);
      assert.equal(page.KeyCount, pages.at(-1)!.length);
      assert.equal(page.IsTruncated, page.NextContinuationToken !== undefined);
      token = page.NextContinuationToken;
    } while (token);
    assert.deepEqual(pages, [
      ["c/1", "c/2", "c/3"],
      ["c/4", "c/5", "c/6"],
      ["c/7", "c/sub/"],
    ]);
    const rest = await s3.send(new ListObjectsV2Command({ Bucket, StartAfter: "c/6" }));
    assert.deepEqual(
      rest.Contents!.map((c) => [c.Key, c.Size, c.ETag]),
      ["c/7", "c/sub/1", "c/sub/2", "d/1"].map((k) => [k, 3, md5(k)]),
    );
    assert.equal(rest.Contents![0]!.LastModified!.getTime(), fake.get("c/7")!.lastModified);
    assert.equal(fake.count("list"), 4);
  });

  test("conditional writes: If-None-Match * and If-Match on PUT and DELETE, as AWS documents them", async () => {
    const { fake, s3 } = await fresh();
    const first = await s3.send(new PutObjectCommand({ Bucket, Key: "k", Body: "one", IfNoneMatch: "*" }));
    await rejectsWith(
      s3.send(new PutObjectCommand({ Bucket, Key: "k", Body: "two", IfNoneMatch: "*" })),
      "PreconditionFailed",
      412,
    );
    assert.equal(fake.get("k")!.bytes.toString(), "one");
    const stale = md5("zero");
    await rejectsWith(
      s3.send(new PutObjectCommand({ Bucket, Key: "k", Body: "two", IfMatch: stale })),
      "PreconditionFailed",
      412,
    );
    const second = await s3.send(
      new PutObjectCommand({ Bucket, Key: "k", Body: "two", IfMatch: first.ETag }),
    );
    assert.equal(second.$metadata.httpStatusCode, 200);
    assert.equal(second.ETag, md5("two"));
    assert.notEqual(second.ETag, first.ETag);
    await rejectsWith(
      s3.send(new PutObjectCommand({ Bucket, Key: "none", Body: "x", IfMatch: first.ETag })),
      "NoSuchKey",
      404,
    );
    await rejectsWith(
      s3.send(new DeleteObjectCommand({ Bucket, Key: "k", IfMatch: first.ETag })),
      "PreconditionFailed",
      412,
    );
    assert.ok(fake.get("k"));
    await rejectsWith(
      s3.send(new DeleteObjectCommand({ Bucket, Key: "none", IfMatch: first.ETag })),
      "NoSuchKey",
      404,
    );
    await s3.send(new DeleteObjectCommand({ Bucket, Key: "k", IfMatch: second.ETag }));
    assert.equal(fake.get("k"), undefined);
    assert.deepEqual(
      fake.requests.map((r) => r.status),
      [200, 412, 412, 200, 404, 412, 404, 204],
    );
  });

  test("conditional: false ignores If-None-Match and If-Match, as s3rver does", async () => {
    const { fake, s3 } = await fresh({ conditional: false });
    await s3.send(new PutObjectCommand({ Bucket, Key: "k", Body: "one", IfNoneMatch: "*" }));
    await s3.send(new PutObjectCommand({ Bucket, Key: "k", Body: "two", IfNoneMatch: "*" }));
    await s3.send(new PutObjectCommand({ Bucket, Key: "k", Body: "three", IfMatch: md5("stale") }));
    assert.equal(fake.get("k")!.bytes.toString(), "three");
  });

  test("the server clock's offset shows in Date and Last-Modified, and the SDK signs with it afterwards", async () => {
    const { fake, s3, dates } = await fresh({ clockOffsetMs: -3 * 3600_000 });
    await s3.send(new PutObjectCommand({ Bucket, Key: "k", Body: "x" }));
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: "k" }));
    const behind = (t: number) => Date.now() - 3 * 3600_000 - t;
    assert.ok(behind(head.LastModified!.getTime()) >= 0 && behind(head.LastModified!.getTime()) < 3000);
    assert.ok(Math.abs(behind(Date.parse(dates.at(-1)!))) < 2000);
    // Every response's Date resets the SDK's systemClockOffset, so the next x-amz-date follows the server.
    fake.clockOffsetMs = 3600_000;
    await s3.send(new HeadObjectCommand({ Bucket, Key: "k" }));
    await s3.send(new HeadObjectCommand({ Bucket, Key: "k" }));
    const amzDate = fake.requests.at(-1)!.headers["x-amz-date"]!;
    const signed = Date.parse(
      amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z"),
    );
    assert.ok(Math.abs(signed - (Date.now() + 3600_000)) < 3000);
  });

  test("a 503 stores nothing, and the SDK's own retry gets through", async () => {
    // ServiceUnavailable is a transient error (50 ms backoff); SlowDown is throttling (up to 1 s).
    const faults = [{ op: "put" as const, times: 2, action: { status: 503, code: "ServiceUnavailable" } }];
    const { fake, s3 } = await fresh({ faults }, { maxAttempts: 3 });
    const seen: boolean[] = [];
    fake.faults[0]!.when = () => (seen.push(fake.get("k") !== undefined), true);
    const put = await s3.send(new PutObjectCommand({ Bucket, Key: "k", Body: "x" }));
    assert.equal(put.$metadata.attempts, 3);
    assert.deepEqual(seen, [false, false]);
    assert.deepEqual(
      fake.requests.map((r) => [r.op, r.status, r.headers["amz-sdk-request"]]),
      [1, 2, 3].map((n) => ["put", n < 3 ? 503 : 200, `attempt=${n}; max=3`]),
    );
    assert.equal(fake.get("k")!.bytes.toString(), "x");
  });

  test("409, SlowDown, reset and delay faults as the SDK reports them", async () => {
    const { fake, s3 } = await fresh({}, { maxAttempts: 1 });
    fake.faults.push({ op: "put", times: 1, action: { status: 409 } });
    await rejectsWith(
      s3.send(new PutObjectCommand({ Bucket, Key: "k", Body: "x" })),
      "ConditionalRequestConflict",
      409,
    );
    fake.faults.push({ op: "any", times: 1, action: { status: 503, code: "SlowDown" } });
    await rejectsWith(s3.send(new PutObjectCommand({ Bucket, Key: "k", Body: "x" })), "SlowDown", 503);
    assert.equal(fake.get("k"), undefined);
    fake.faults.push({ op: "put", times: 1, action: "reset" });
    await assert.rejects(s3.send(new PutObjectCommand({ Bucket, Key: "k", Body: "x" })), {
      code: "ECONNRESET",
    });
    assert.equal(fake.get("k"), undefined);
    fake.faults.push({ op: "put", times: 1, action: { delayMs: 150 } });
    const started = Date.now();
    await s3.send(new PutObjectCommand({ Bucket, Key: "k", Body: "x" }));
    assert.ok(Date.now() - started >= 140);
    assert.deepEqual(
      fake.requests.map((r) => r.status),
      [409, 503, 0, 200],
    );
  });

  test("a truncated GET body: the SDK resolves with headers, then reading the body fails", async () => {
    const { fake, s3 } = await fresh({}, { maxAttempts: 1 });
    fake.put("clip.mp4", Buffer.alloc(64 * 1024, 1));
    fake.faults.push({ op: "get", times: 1, action: "truncate" });
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: "clip.mp4" }));
    assert.equal(got.ContentLength, 64 * 1024);
    await assert.rejects(got.Body!.transformToByteArray(), { code: "ECONNRESET", message: "aborted" });
  });

  test("auth: no Authorization is 403 AccessDenied; another access key id is 403 InvalidAccessKeyId", async () => {
    const { fake, s3 } = await fresh({ accessKeyId: "someone-else" });
    await rejectsWith(
      s3.send(new PutObjectCommand({ Bucket, Key: "k", Body: "x" })),
      "InvalidAccessKeyId",
      403,
    );
    const res = await fetch(`${fake.url}/${Bucket}/k`);
    assert.equal(res.status, 403);
    assert.match(await res.text(), /^<\?xml .*<Error><Code>AccessDenied<\/Code>.*<RequestId>FAKE/);
    assert.ok(res.headers.get("date") && res.headers.get("x-amz-request-id"));
  });

  test("a streamed body with default checksums arrives aws-chunked and is stored decoded", async () => {
    const { fake, s3 } = await fresh({}, { requestChecksumCalculation: "WHEN_SUPPORTED" });
    const Body = Readable.from([Buffer.from("hello "), Buffer.from("chunks")]);
    await s3.send(new PutObjectCommand({ Bucket, Key: "k", Body, ContentLength: 12 }));
    const r = fake.requests[0]!;
    assert.equal(r.headers["content-encoding"], "aws-chunked");
    assert.equal(r.headers["x-amz-content-sha256"], "STREAMING-UNSIGNED-PAYLOAD-TRAILER");
    assert.ok(r.bytes > 12);
    assert.equal(fake.get("k")!.bytes.toString(), "hello chunks");
    assert.equal(fake.get("k")!.etag, md5("hello chunks"));
  });

  test("lib-storage Upload of 6 MiB goes multipart, round-trips, and sends IfNoneMatch to Complete", async () => {
    const { fake, s3 } = await fresh();
    const bytes = Buffer.alloc(6 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i & 0xff;
    const params = { Bucket, Key: "film.mp4", Body: bytes, ContentType: "video/mp4", IfNoneMatch: "*" };
    const done = await new Upload({ client: s3, params }).done();
    assert.match(done.ETag!, /^"[0-9a-f]{32}-2"$/);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: "film.mp4" }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(bytes));
    assert.equal(got.ContentType, "video/mp4");
    assert.deepEqual(
      ["create-multipart", "upload-part", "complete-multipart", "put"].map((op) => fake.count(op as "put")),
      [1, 2, 1, 0],
    );
    const complete = fake.requests.find((r) => r.op === "complete-multipart")!;
    assert.equal(complete.headers["if-none-match"], "*");
    // A second create is refused at Complete; lib-storage then aborts the upload.
    await rejectsWith(new Upload({ client: s3, params }).done(), "PreconditionFailed", 412);
    assert.equal(fake.count("abort-multipart"), 1);
    assert.equal(fake.uploads.size, 0);
    assert.ok(fake.get("film.mp4")!.bytes.equals(bytes));
  });
});

test("s3rver: put/get/head/list/delete work, and it accepts a second IfNoneMatch: * PUT", async () => {
  const server = await startS3rver();
  try {
    const s3 = new S3Client({
      endpoint: server.url,
      forcePathStyle: true,
      region: "us-east-1",
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    const B = server.bucket;
    const first = await s3.send(
      new PutObjectCommand({ Bucket: B, Key: "a/k", Body: "one", IfNoneMatch: "*" }),
    );
    assert.equal(first.ETag, md5("one"));
    const second = await s3.send(
      new PutObjectCommand({ Bucket: B, Key: "a/k", Body: "two", IfNoneMatch: "*" }),
    );
    assert.equal(second.$metadata.httpStatusCode, 200);
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: "a/k" }));
    assert.equal(await got.Body!.transformToString(), "two");
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: "a/k" }));
    assert.equal(head.ETag, md5("two"));
    const list = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: "a/" }));
    assert.deepEqual(
      list.Contents?.map((c) => c.Key),
      ["a/k"],
    );
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "a/k" }));
    await rejectsWith(s3.send(new GetObjectCommand({ Bucket: B, Key: "a/k" })), "NoSuchKey", 404);
    s3.destroy();
  } finally {
    await server.close();
  }
});
