// The fake S3 (testkit/fake-s3.ts) against the real @aws-sdk/client-s3 and lib-storage, and s3rver for contrast.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { after, describe, test } from "node:test";
import {
  DeleteObjectCommand,
  type DeleteObjectCommandInput,
  GetObjectCommand,
  type GetObjectCommandInput,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
  type S3ClientConfig,
  type S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { type FakeS3, type FakeS3Options, type S3Op, startFakeS3 } from "../../testkit/fake-s3.js";
import { startS3rver } from "../../testkit/s3rver.js";

const Bucket = "storyreel";
const fakes: FakeS3[] = [];
after(() => Promise.all(fakes.map((f) => f.close())));

// Commands on the default bucket, so each test line reads as the operation it sends.
type Extra<T> = Partial<Omit<T, "Bucket" | "Key" | "Body">>;
const put = (Key: string, Body: PutObjectCommandInput["Body"], more: Extra<PutObjectCommandInput> = {}) =>
  new PutObjectCommand({ Bucket, Key, Body, ...more });
const get = (Key: string, more: Extra<GetObjectCommandInput> = {}) =>
  new GetObjectCommand({ Bucket, Key, ...more });
const head = (Key: string) => new HeadObjectCommand({ Bucket, Key });
const del = (Key: string, more: Extra<DeleteObjectCommandInput> = {}) =>
  new DeleteObjectCommand({ Bucket, Key, ...more });
const list = (more: Extra<ListObjectsV2CommandInput> = {}) => new ListObjectsV2Command({ Bucket, ...more });
const md5 = (b: Buffer | string) => `"${createHash("md5").update(b).digest("hex")}"`;

function client(endpoint: string, config: S3ClientConfig = {}, key = "test"): S3Client {
  return new S3Client({
    endpoint,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: { accessKeyId: key, secretAccessKey: key },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    ...config,
  });
}

async function fresh(options: FakeS3Options = {}, config: S3ClientConfig = {}) {
  const fake = await startFakeS3(options);
  fakes.push(fake);
  const s3 = client(fake.url, config);
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

// The rejection is the named S3 exception with that status, as callers would branch on it.
async function rejectsWith(promise: Promise<unknown>, name: string, status: number): Promise<void> {
  await assert.rejects(promise, (error: S3ServiceException) => {
    assert.deepEqual([error.name, error.$metadata.httpStatusCode], [name, status]);
    return true;
  });
}

describe("fake S3 with the real AWS SDK", () => {
  test("put, get, head, ranged get, delete: ETag, Last-Modified, Date, metadata; 404s", async () => {
    const { fake, s3, dates } = await fresh();
    const [key, before] = ["clips/a b.mp4", Math.floor(Date.now() / 1000) * 1000];
    const stored = await s3.send(
      put(key, "hello world", { ContentType: "video/mp4", Metadata: { Shot: "s1" } }),
    );
    assert.equal(stored.ETag, md5("hello world"));
    const got = await s3.send(get(key));
    assert.equal(await got.Body!.transformToString(), "hello world");
    assert.deepEqual([got.ContentType, got.Metadata], ["video/mp4", { shot: "s1" }]);
    const about = await s3.send(head(key));
    assert.deepEqual([about.ContentLength, about.ETag], [11, stored.ETag]);
    const modified = about.LastModified!.getTime();
    assert.ok(modified % 1000 === 0 && modified >= before && modified <= Date.now());
    assert.ok(Math.abs(Date.parse(dates.at(-1)!) - Date.now()) < 2000);
    const part = await s3.send(get(key, { Range: "bytes=6-10" }));
    assert.deepEqual([part.$metadata.httpStatusCode, part.ContentRange], [206, "bytes 6-10/11"]);
    assert.equal(await part.Body!.transformToString(), "world");
    assert.equal((await s3.send(del(key))).$metadata.httpStatusCode, 204);
    await rejectsWith(s3.send(get(key)), "NoSuchKey", 404);
    // A HEAD error has no body, so the SDK can only name it after the status.
    await rejectsWith(s3.send(head(key)), "NotFound", 404);
    await rejectsWith(s3.send(new GetObjectCommand({ Bucket: "other", Key: "x" })), "NoSuchBucket", 404);
    const ops: S3Op[] = ["put", "get", "head", "delete"];
    assert.deepEqual(
      ops.map((op) => fake.count(op, "clips/")),
      [1, 3, 2, 1],
    );
    assert.deepEqual([fake.requests[0]!.key, fake.requests[0]!.headers["x-amz-meta-shot"]], [key, "s1"]);
  });

  test("ListObjectsV2: pages by MaxKeys and continuation token, StartAfter, Delimiter", async () => {
    const { fake, s3 } = await fresh();
    for (const key of ["c/7", "c/1", "c/3", "c/2", "c/6", "c/4", "c/5", "d/1", "c/sub/1", "c/sub/2"])
      fake.put(key, key);
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        list({ Prefix: "c/", Delimiter: "/", MaxKeys: 3, ContinuationToken: token }),
      );
      const prefixes = (page.CommonPrefixes ?? []).map((p) => p.Prefix!);
      pages.push([...(page.Contents ?? []).map((c) => c.Key!), ...prefixes]);
      assert.equal(page.KeyCount, pages.at(-1)!.length);
      assert.equal(page.IsTruncated, page.NextContinuationToken !== undefined);
      token = page.NextContinuationToken;
    } while (token);
    assert.deepEqual(pages, [
      ["c/1", "c/2", "c/3"],
      ["c/4", "c/5", "c/6"],
      ["c/7", "c/sub/"],
    ]);
    const rest = await s3.send(list({ StartAfter: "c/6" }));
    assert.deepEqual(
      rest.Contents!.map((c) => [c.Key, c.Size, c.ETag]),
      ["c/7", "c/sub/1", "c/sub/2", "d/1"].map((k) => [k, k.length, md5(k)]),
    );
    assert.equal(rest.Contents![0]!.LastModified!.getTime(), fake.get("c/7")!.lastModified);
    // A token after a rolled-up prefix skips every key under it.
    const top = await s3.send(list({ Delimiter: "/", MaxKeys: 1 }));
    const next = await s3.send(
      list({ Delimiter: "/", MaxKeys: 1, ContinuationToken: top.NextContinuationToken }),
    );
    assert.deepEqual([top.CommonPrefixes, next.CommonPrefixes], [[{ Prefix: "c/" }], [{ Prefix: "d/" }]]);
    assert.deepEqual([next.IsTruncated, fake.count("list")], [false, 6]);
  });

  test("conditional writes: If-None-Match * and If-Match on PUT and DELETE, as AWS documents them", async () => {
    const { fake, s3 } = await fresh();
    const first = await s3.send(put("k", "one", { IfNoneMatch: "*" }));
    await rejectsWith(s3.send(put("k", "two", { IfNoneMatch: "*" })), "PreconditionFailed", 412);
    assert.equal(fake.get("k")!.bytes.toString(), "one");
    await rejectsWith(s3.send(put("k", "two", { IfMatch: md5("zero") })), "PreconditionFailed", 412);
    const second = await s3.send(put("k", "two", { IfMatch: first.ETag }));
    assert.deepEqual([second.$metadata.httpStatusCode, second.ETag], [200, md5("two")]);
    await rejectsWith(s3.send(put("none", "x", { IfMatch: first.ETag })), "NoSuchKey", 404);
    await rejectsWith(s3.send(del("k", { IfMatch: first.ETag })), "PreconditionFailed", 412);
    assert.ok(fake.get("k"));
    await rejectsWith(s3.send(del("none", { IfMatch: first.ETag })), "NoSuchKey", 404);
    await s3.send(del("k", { IfMatch: second.ETag }));
    assert.equal(fake.get("k"), undefined);
    assert.deepEqual(
      fake.requests.map((r) => r.status),
      [200, 412, 412, 200, 404, 412, 404, 204],
    );
  });

  test("conditional: false ignores If-None-Match and If-Match, as s3rver does", async () => {
    const { fake, s3 } = await fresh({ conditional: false });
    await s3.send(put("k", "one", { IfNoneMatch: "*" }));
    await s3.send(put("k", "two", { IfNoneMatch: "*" }));
    await s3.send(put("k", "three", { IfMatch: md5("stale") }));
    assert.equal(fake.get("k")!.bytes.toString(), "three");
  });

  test("the server clock's offset shows in Date and Last-Modified, and the SDK signs with it after", async () => {
    const hours = (n: number) => n * 3600_000;
    const { fake, s3, dates } = await fresh({ clockOffsetMs: hours(-3) });
    await s3.send(put("k", "x"));
    const modified = (await s3.send(head("k"))).LastModified!.getTime();
    const behind = (t: number) => Date.now() - hours(3) - t;
    assert.ok(behind(modified) >= 0 && behind(modified) < 3000);
    assert.ok(Math.abs(behind(Date.parse(dates.at(-1)!))) < 2000);
    // Every response's Date resets the SDK's systemClockOffset, so the next x-amz-date follows the server.
    fake.clockOffsetMs = hours(1);
    await s3.send(head("k"));
    await s3.send(head("k"));
    const amzDate = fake.requests.at(-1)!.headers["x-amz-date"]!;
    const signed = Date.parse(
      amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z"),
    );
    assert.ok(Math.abs(signed - (Date.now() + hours(1))) < 3000);
  });

  test("a 503 stores nothing, and the SDK's own retry gets through", async () => {
    // ServiceUnavailable is a transient error (50 ms backoff); SlowDown is throttling (up to 1 s).
    const { fake, s3 } = await fresh({}, { maxAttempts: 3 });
    const seen: boolean[] = [];
    const when = () => {
      seen.push(fake.get("k") !== undefined);
      return true;
    };
    fake.faults.push({ op: "put", times: 2, when, action: { status: 503, code: "ServiceUnavailable" } });
    assert.equal((await s3.send(put("k", "x"))).$metadata.attempts, 3);
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
    await rejectsWith(s3.send(put("k", "x")), "ConditionalRequestConflict", 409);
    fake.faults.push({ op: "any", times: 1, action: { status: 503, code: "SlowDown" } });
    await rejectsWith(s3.send(put("k", "x")), "SlowDown", 503);
    fake.faults.push({ op: "put", times: 1, action: "reset" });
    await assert.rejects(s3.send(put("k", "x")), { code: "ECONNRESET" });
    assert.equal(fake.get("k"), undefined);
    fake.faults.push({ op: "put", times: 1, action: { delayMs: 150 } });
    const started = Date.now();
    await s3.send(put("k", "x"));
    assert.ok(Date.now() - started >= 140);
    assert.deepEqual(
      fake.requests.map((r) => r.status),
      [409, 503, 0, 200],
    );
  });

  test("a truncated GET body: the SDK resolves with the headers, then reading the body fails", async () => {
    const { fake, s3 } = await fresh({}, { maxAttempts: 1 });
    fake.put("clip.mp4", Buffer.alloc(64 * 1024, 1));
    fake.faults.push({ op: "get", times: 1, action: "truncate" });
    const got = await s3.send(get("clip.mp4"));
    assert.equal(got.ContentLength, 64 * 1024);
    await assert.rejects(got.Body!.transformToByteArray(), { code: "ECONNRESET", message: "aborted" });
  });

  test("auth: no Authorization is 403 AccessDenied; another access key id is 403 InvalidAccessKeyId", async () => {
    const { fake, s3 } = await fresh({ accessKeyId: "someone-else" });
    await rejectsWith(s3.send(put("k", "x")), "InvalidAccessKeyId", 403);
    const res = await fetch(`${fake.url}/${Bucket}/k`);
    assert.equal(res.status, 403);
    assert.match(await res.text(), /^<\?xml .*<Error><Code>AccessDenied<\/Code>.*<RequestId>FAKE/);
    assert.ok(res.headers.get("date") && res.headers.get("x-amz-request-id"));
  });

  test("a streamed body with default checksums arrives aws-chunked and is stored decoded", async () => {
    const { fake, s3 } = await fresh({}, { requestChecksumCalculation: "WHEN_SUPPORTED" });
    const body = Readable.from([Buffer.from("hello "), Buffer.from("chunks")]);
    await s3.send(put("k", body, { ContentLength: 12 }));
    const { headers, bytes } = fake.requests[0]!;
    assert.deepEqual(
      [headers["content-encoding"], headers["x-amz-content-sha256"], headers["x-amz-trailer"]],
      ["aws-chunked", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "x-amz-checksum-crc32"],
    );
    assert.ok(bytes > 12);
    assert.deepEqual(
      [fake.get("k")!.bytes.toString(), fake.get("k")!.etag],
      ["hello chunks", md5("hello chunks")],
    );
  });

  test("lib-storage Upload of 6 MiB goes multipart, round-trips, and sends IfNoneMatch to Complete", async () => {
    const { fake, s3 } = await fresh();
    const bytes = Buffer.alloc(6 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i & 0xff;
    const params = { Bucket, Key: "film.mp4", Body: bytes, ContentType: "video/mp4", IfNoneMatch: "*" };
    const done = await new Upload({ client: s3, params }).done();
    assert.match(done.ETag!, /^"[0-9a-f]{32}-2"$/);
    const got = await s3.send(get("film.mp4"));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(bytes));
    assert.equal(got.ContentType, "video/mp4");
    const ops: S3Op[] = ["create-multipart", "upload-part", "complete-multipart", "put"];
    assert.deepEqual(
      ops.map((op) => fake.count(op)),
      [1, 2, 1, 0],
    );
    const complete = fake.requests.find((r) => r.op === "complete-multipart")!;
    assert.equal(complete.headers["if-none-match"], "*");
    // A second create is refused at Complete; lib-storage then aborts the upload.
    await rejectsWith(new Upload({ client: s3, params }).done(), "PreconditionFailed", 412);
    assert.deepEqual([fake.count("abort-multipart"), fake.uploads.size], [1, 0]);
    assert.ok(fake.get("film.mp4")!.bytes.equals(bytes));
  });
});

test("s3rver: put/get/head/list/delete work, and it accepts a second IfNoneMatch: * PUT", async () => {
  const server = await startS3rver();
  // s3rver checks SigV4 signatures against its one built-in key pair.
  const s3 = client(server.url, {}, "S3RVER");
  try {
    const first = await s3.send(put("a/k", "one", { IfNoneMatch: "*" }));
    assert.equal(first.ETag, md5("one"));
    const second = await s3.send(put("a/k", "two", { IfNoneMatch: "*" }));
    assert.equal(second.$metadata.httpStatusCode, 200);
    assert.equal(await (await s3.send(get("a/k"))).Body!.transformToString(), "two");
    assert.equal((await s3.send(head("a/k"))).ETag, md5("two"));
    const listed = await s3.send(list({ Prefix: "a/" }));
    assert.deepEqual(
      listed.Contents?.map((c) => c.Key),
      ["a/k"],
    );
    await s3.send(del("a/k"));
    await rejectsWith(s3.send(get("a/k")), "NoSuchKey", 404);
  } finally {
    s3.destroy();
    await server.close();
  }
});
