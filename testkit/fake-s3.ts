// A fake S3 on 127.0.0.1, path-style only, speaking enough of the REST API for @aws-sdk/client-s3 and
// lib-storage's Upload: objects, ranges, ListObjectsV2, multipart, conditional writes as AWS documents them,
// a server clock that can differ from ours, recording and fault injection in the style of fake-fal.
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type S3Op = "put" | "get" | "head" | "delete" | "list" | "create-bucket" | "unknown" | MultipartOp;
export type MultipartOp = "create-multipart" | "upload-part" | "complete-multipart" | "abort-multipart";

export interface S3Recorded {
  op: S3Op;
  method: string;
  bucket: string;
  key: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  bytes: number; // request body length on the wire (aws-chunked framing included)
  status: number; // the status sent; 0 while in flight or when the socket was dropped
  at: number; // local Date.now(), not the server clock
}

export type S3FaultAction = { status: number; code?: string } | { delayMs: number } | "truncate" | "reset";
export interface S3Fault {
  op: S3Op | "any";
  times: number; // how many times it fires; with `chance`, each match fires with that probability
  chance?: number;
  when?: (r: S3Recorded) => boolean; // sees the request before it is answered (status 0)
  action: S3FaultAction;
}

export interface S3Object {
  bytes: Buffer;
  etag: string; // quoted, as S3 sends it: "md5hex", or "md5-of-part-md5s-N" after multipart
  lastModified: number; // server clock, whole seconds, in ms
  contentType: string;
  metadata: Record<string, string>; // x-amz-meta-* names lowercased, without the prefix
}

export interface FakeS3Options {
  buckets?: string[]; // default ["storyreel"]
  clockOffsetMs?: number;
  conditional?: boolean; // false: ignore If-None-Match/If-Match on writes, as s3rver does
  accessKeyId?: string; // when set, SigV4 credentials for another key id get 403 InvalidAccessKeyId
  faults?: S3Fault[];
  random?: () => number; // deterministic `chance` faults (default Math.random)
}

interface MultipartUpload {
  bucket: string;
  key: string;
  described: Pick<S3Object, "contentType" | "metadata">;
  parts: Map<number, { bytes: Buffer; etag: string }>;
}

type Answer = { status: number; headers: Record<string, string | number>; body?: Buffer | string };
type S3Error = Error & { status: number; code: string };
const s3Error = (status: number, code: string, message: string): S3Error =>
  Object.assign(new Error(message), { name: "S3Error", status, code });
const preconditionFailed = () =>
  s3Error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
const noSuchKey = () => s3Error(404, "NoSuchKey", "The specified key does not exist.");
const noSuchUpload = () => s3Error(404, "NoSuchUpload", "The specified upload does not exist.");
// The code an injected status fault answers with when it names none.
const CODES: Record<number, string> = {
  403: "AccessDenied",
  404: "NoSuchKey",
  409: "ConditionalRequestConflict",
  412: "PreconditionFailed",
  500: "InternalError",
  503: "SlowDown",
};
const XML = '<?xml version="1.0" encoding="UTF-8"?>';

export async function startFakeS3(options: FakeS3Options = {}): Promise<FakeS3> {
  return new FakeS3(options).start();
}

export class FakeS3 {
  url = "";
  readonly requests: S3Recorded[] = [];
  readonly faults: S3Fault[];
  readonly objects = new Map<string, S3Object>(); // keyed by `bucket/key`
  readonly buckets: Set<string>;
  readonly uploads = new Map<string, MultipartUpload>();
  clockOffsetMs: number;
  conditional: boolean;
  private server: Server;
  private nextRequest = 1;

  constructor(readonly options: FakeS3Options = {}) {
    this.faults = [...(options.faults ?? [])];
    this.buckets = new Set(options.buckets ?? ["storyreel"]);
    this.clockOffsetMs = options.clockOffsetMs ?? 0;
    this.conditional = options.conditional ?? true;
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  // The first configured bucket: the default for the helpers below.
  get bucket(): string {
    return [...this.buckets][0] ?? "storyreel";
  }

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  count(op: S3Op, keyPrefix = ""): number {
    return this.requests.filter((r) => r.op === op && r.key.startsWith(keyPrefix)).length;
  }

  get(key: string, bucket = this.bucket): S3Object | undefined {
    return this.objects.get(`${bucket}/${key}`);
  }

  // Seeds or tampers with an object behind the API's back: nothing recorded, no faults, no conditions.
  put(key: string, bytes: Buffer | string, bucket = this.bucket): S3Object {
    const data = Buffer.from(bytes);
    const described = { contentType: "binary/octet-stream", metadata: {} };
    const object = { ...described, bytes: data, etag: `"${md5(data)}"`, lastModified: this.second() };
    this.buckets.add(bucket);
    this.objects.set(`${bucket}/${key}`, object);
    return object;
  }

  delete(key: string, bucket = this.bucket): boolean {
    return this.objects.delete(`${bucket}/${key}`);
  }

  private second(): number {
    return Math.floor(this.now() / 1000) * 1000;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (!body) return; // a request cut off mid-body is dropped, never half-stored
    const url = new URL(req.url ?? "/", "http://fake-s3");
    const [, rawBucket = "", ...rest] = url.pathname.split("/");
    const [bucket, key] = [decodeURIComponent(rawBucket), decodeURIComponent(rest.join("/"))];
    const [method, at] = [req.method ?? "GET", Date.now()];
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers))
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    const query = Object.fromEntries(url.searchParams);
    const op = classify(method, bucket, key, url.searchParams);
    const record: S3Recorded = { op, method, bucket, key, query, headers, bytes: body.length, status: 0, at };
    this.requests.push(record);
    const requestId = `FAKE${String(this.nextRequest++).padStart(12, "0")}`;
    const random = this.options.random ?? Math.random;
    const matches = (f: S3Fault) =>
      f.times > 0 && (f.op === op || f.op === "any") && (!f.when || f.when(record));
    const fault = this.faults.find((f) => matches(f) && (f.chance === undefined || random() < f.chance));
    if (fault) fault.times -= 1;
    const action = fault?.action;
    let answer: Answer;
    try {
      // Faults fire before anything is checked or stored: a 503 PUT stores nothing. Truncate is for GETs.
      if (action === "reset" || (action === "truncate" && op !== "get")) return void req.socket.destroy();
      if (typeof action === "object" && "delayMs" in action)
        await new Promise((r) => setTimeout(r, action.delayMs));
      else if (typeof action === "object")
        throw s3Error(action.status, action.code ?? CODES[action.status] ?? "InjectedFault", "Injected");
      this.authorize(headers, url.searchParams);
      if (op !== "create-bucket" && !this.buckets.has(bucket))
        throw s3Error(404, "NoSuchBucket", "The specified bucket does not exist");
      answer = this.answer(record, body);
    } catch (error) {
      // A bug in the fake answers 500 rather than crashing the test process.
      const e = error as S3Error;
      const { status, code, message } = e.name === "S3Error" ? e : s3Error(500, "InternalError", String(e));
      const fields = el("Code", code) + el("Message", message) + (key ? el("Key", key) : "");
      const more = el("Resource", url.pathname) + el("RequestId", requestId);
      const xml = `${XML}<Error>${fields + more}</Error>`;
      answer = { status, headers: { "content-type": "application/xml" }, body: xml };
    }
    const bytes = answer.body === undefined ? undefined : Buffer.from(answer.body);
    record.status = answer.status;
    const date = new Date(this.now()).toUTCString();
    const sent = { ...answer.headers, ...(bytes && { "content-length": bytes.length }) };
    res.writeHead(answer.status, { date, "x-amz-request-id": requestId, "x-amz-id-2": requestId, ...sent });
    if (action === "truncate" && bytes && method === "GET")
      return void res.write(bytes.subarray(0, bytes.length >> 1), () => res.socket?.destroy());
    res.end(method === "HEAD" || answer.status === 304 ? undefined : bytes);
  }

  private authorize(headers: Record<string, string>, search: URLSearchParams): void {
    const presigned = search.get("X-Amz-Credential");
    if (!headers.authorization && !presigned) throw s3Error(403, "AccessDenied", "Access Denied");
    const credential =
      /Credential=([^/,\s]+)\//.exec(headers.authorization ?? "")?.[1] ?? presigned?.split("/")[0];
    if (!credential) throw s3Error(400, "AuthorizationHeaderMalformed", "No SigV4 credential");
    if (this.options.accessKeyId !== undefined && credential !== this.options.accessKeyId)
      throw s3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist.");
  }

  // Runs in one tick after the body is read, from the checks to the store: check-and-write is atomic.
  private answer({ op, bucket, key, query, headers }: S3Recorded, body: Buffer): Answer {
    const id = `${bucket}/${key}`;
    const existing = this.objects.get(id);
    const upload = this.uploads.get(query.uploadId ?? "");
    const lastModified = this.second();
    switch (op) {
      case "create-bucket":
        this.buckets.add(bucket);
        return { status: 200, headers: { location: `/${bucket}` } };
      case "put": {
        const bytes = decodeChunked(headers, body);
        this.checkWrite(headers, existing);
        const object = { ...described(headers), bytes, etag: `"${md5(bytes)}"`, lastModified };
        this.objects.set(id, object);
        return { status: 200, headers: { etag: object.etag } };
      }
      case "get":
      case "head": {
        if (!existing) throw noSuchKey();
        const [match, none] = [headers["if-match"], headers["if-none-match"]];
        if (match !== undefined && !etagMatches(match, existing.etag)) throw preconditionFailed();
        const meta = objectHeaders(existing);
        if (none !== undefined && etagMatches(none, existing.etag))
          return { status: 304, headers: { etag: existing.etag, "last-modified": meta["last-modified"]! } };
        const size = existing.bytes.length;
        const range = parseRange(headers.range, size);
        if (!range) return { status: 200, headers: meta, body: existing.bytes };
        meta["content-range"] = `bytes ${range[0]}-${range[1]}/${size}`;
        return { status: 206, headers: meta, body: existing.bytes.subarray(range[0], range[1] + 1) };
      }
      case "delete":
        // DeleteObject supports If-Match only; a missing key is a 204 unless If-Match asked for one.
        if (this.conditional && headers["if-match"] !== undefined) {
          if (!existing) throw noSuchKey();
          if (!etagMatches(headers["if-match"], existing.etag)) throw preconditionFailed();
        }
        this.objects.delete(id);
        return { status: 204, headers: {} };
      case "list":
        return xmlAnswer(this.list(bucket, query));
      case "create-multipart": {
        const uploadId = randomUUID();
        this.uploads.set(uploadId, { bucket, key, described: described(headers), parts: new Map() });
        const fields = el("Bucket", bucket) + el("Key", key) + el("UploadId", uploadId);
        return xmlAnswer(`<InitiateMultipartUploadResult>${fields}</InitiateMultipartUploadResult>`);
      }
      case "upload-part": {
        if (!upload || upload.bucket !== bucket || upload.key !== key) throw noSuchUpload();
        const n = Number(query.partNumber);
        if (!Number.isInteger(n) || n < 1 || n > 10000)
          throw s3Error(400, "InvalidArgument", "Part number must be an integer between 1 and 10000");
        const bytes = decodeChunked(headers, body);
        upload.parts.set(n, { bytes, etag: `"${md5(bytes)}"` });
        return { status: 200, headers: { etag: `"${md5(bytes)}"` } };
      }
      case "complete-multipart": {
        if (!upload || upload.bucket !== bucket || upload.key !== key) throw noSuchUpload();
        const listed = [...body.toString("utf8").matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
          n: Number(/<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(m[1]!)?.[1]),
          etag: /<ETag>([\s\S]*?)<\/ETag>/.exec(m[1]!)?.[1]?.replace(/&quot;|&#34;/g, '"') ?? "",
        }));
        if (listed.length === 0) throw s3Error(400, "MalformedXML", "No parts in the XML");
        const parts = listed.map(({ n, etag }, i) => {
          const part = upload.parts.get(n);
          if (!part || !etagMatches(etag, part.etag) || (i > 0 && n <= listed[i - 1]!.n))
            throw s3Error(400, "InvalidPart", "One or more of the specified parts could not be found.");
          if (i < listed.length - 1 && part.bytes.length < 5 * 1024 * 1024)
            throw s3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum size");
          return part;
        });
        this.checkWrite(headers, existing);
        const digests = Buffer.concat(parts.map((p) => Buffer.from(p.etag.slice(1, -1), "hex")));
        const etag = `"${md5(digests)}-${parts.length}"`;
        const bytes = Buffer.concat(parts.map((p) => p.bytes));
        this.objects.set(id, { ...upload.described, bytes, etag, lastModified });
        this.uploads.delete(query.uploadId!);
        const fields = el("Location", `${this.url}/${id}`) + el("Bucket", bucket) + el("Key", key);
        const result = `<CompleteMultipartUploadResult>${fields + el("ETag", etag)}`;
        return xmlAnswer(`${result}</CompleteMultipartUploadResult>`);
      }
      case "abort-multipart":
        if (!this.uploads.delete(query.uploadId ?? "")) throw noSuchUpload();
        return { status: 204, headers: {} };
      default:
        throw s3Error(501, "NotImplemented", "The fake S3 does not implement this operation");
    }
  }

  // AWS: If-None-Match (only "*") fails on an existing key; If-Match on another ETag (404: no object).
  private checkWrite(headers: Record<string, string>, existing: S3Object | undefined): void {
    if (!this.conditional) return;
    const [match, none] = [headers["if-match"], headers["if-none-match"]];
    if (none !== undefined && none.trim() !== "*")
      throw s3Error(501, "NotImplemented", "If-None-Match on a write takes only *");
    if (none !== undefined && existing) throw preconditionFailed();
    if (match !== undefined && !existing) throw noSuchKey();
    if (match !== undefined && existing && !etagMatches(match, existing.etag)) throw preconditionFailed();
  }

  private list(bucket: string, query: Record<string, string>): string {
    const [prefix, delimiter] = [query.prefix ?? "", query.delimiter ?? ""];
    const token = query["continuation-token"];
    const maxKeys = Math.min(1000, Math.max(0, Number(query["max-keys"] ?? 1000) || 0));
    // The token names the last key or common prefix sent; a rolled-up prefix skips everything under it.
    const after: { key: string; rolled?: boolean } = token
      ? JSON.parse(Buffer.from(token, "base64url").toString("utf8"))
      : { key: query["start-after"] ?? "" };
    const keys = [...this.objects.keys()]
      .filter((id) => id.startsWith(`${bucket}/${prefix}`))
      .map((id) => id.slice(bucket.length + 1))
      .filter((k) => k > after.key && !(after.rolled && k.startsWith(after.key)))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const [contents, prefixes] = [[] as string[], [] as string[]];
    let last: { key: string; rolled?: boolean } | undefined;
    let truncated = false;
    for (const k of keys) {
      const cut = delimiter ? k.indexOf(delimiter, prefix.length) : -1;
      const common = cut >= 0 ? k.slice(0, cut + delimiter.length) : undefined;
      if (common !== undefined && last?.rolled && last.key === common) continue;
      if (contents.length + prefixes.length >= maxKeys) {
        truncated = true;
        break;
      }
      last = { key: common ?? k, ...(common !== undefined && { rolled: true }) };
      if (common !== undefined) {
        prefixes.push(`<CommonPrefixes>${el("Prefix", common)}</CommonPrefixes>`);
        continue;
      }
      const o = this.objects.get(`${bucket}/${k}`)!;
      const fields = el("Key", k) + el("LastModified", new Date(o.lastModified).toISOString());
      contents.push(`<Contents>${fields}${el("ETag", o.etag)}${el("Size", o.bytes.length)}</Contents>`);
    }
    const next = truncated ? Buffer.from(JSON.stringify(last)).toString("base64url") : undefined;
    const fields = [el("Name", bucket), el("Prefix", prefix), el("Delimiter", query.delimiter)];
    fields.push(el("MaxKeys", maxKeys), el("KeyCount", contents.length + prefixes.length));
    fields.push(el("IsTruncated", String(truncated)), el("ContinuationToken", token));
    fields.push(el("NextContinuationToken", next), el("StartAfter", query["start-after"]));
    fields.push(...contents, ...prefixes);
    const ns = "http://s3.amazonaws.com/doc/2006-03-01/";
    return `<ListBucketResult xmlns="${ns}">${fields.join("")}</ListBucketResult>`;
  }
}

// An element with escaped text; nothing at all for an absent value.
function el(tag: string, value: string | number | undefined): string {
  const entities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
  const text = String(value).replace(/[&<>"]/g, (c) => entities[c]!);
  return value === undefined ? "" : `<${tag}>${text}</${tag}>`;
}

function xmlAnswer(xml: string): Answer {
  return { status: 200, headers: { "content-type": "application/xml" }, body: XML + xml };
}

function classify(method: string, bucket: string, key: string, q: URLSearchParams): S3Op {
  if (!bucket) return "unknown";
  if (!key && method === "PUT") return [...q.keys()].length === 0 ? "create-bucket" : "unknown";
  if (!key) return method === "GET" && q.get("list-type") === "2" ? "list" : "unknown";
  if (method === "POST")
    return q.has("uploads") ? "create-multipart" : q.has("uploadId") ? "complete-multipart" : "unknown";
  if (method === "PUT" && q.has("uploadId")) return q.has("partNumber") ? "upload-part" : "unknown";
  if (method === "DELETE") return q.has("uploadId") ? "abort-multipart" : "delete";
  if (q.has("uploadId") || q.has("tagging") || q.has("acl") || q.has("attributes")) return "unknown";
  return method === "PUT" ? "put" : method === "GET" ? "get" : method === "HEAD" ? "head" : "unknown";
}

// aws-chunked framing (signed or not, trailers or not) decoded; checked against x-amz-decoded-content-length.
function decodeChunked(headers: Record<string, string>, body: Buffer): Buffer {
  const encodings = (headers["content-encoding"] ?? "").split(",").map((e) => e.trim());
  if (!headers["x-amz-content-sha256"]?.startsWith("STREAMING-") && !encodings.includes("aws-chunked"))
    return body;
  const out: Buffer[] = [];
  for (let at = 0; ; ) {
    const eol = body.indexOf("\r\n", at);
    const size = eol < 0 ? Number.NaN : Number.parseInt(body.subarray(at, eol).toString("latin1"), 16);
    if (Number.isNaN(size) || eol + 2 + size > body.length)
      throw s3Error(400, "IncompleteBody", "The aws-chunked body is malformed or short");
    if (size === 0) break;
    out.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  const data = Buffer.concat(out);
  const declared = headers["x-amz-decoded-content-length"];
  if (declared !== undefined && Number(declared) !== data.length)
    throw s3Error(400, "IncompleteBody", "x-amz-decoded-content-length does not match the body");
  return data;
}

// Content-Type and x-amz-meta-* of a PUT or CreateMultipartUpload, as S3 stores them.
function described(headers: Record<string, string>): Pick<S3Object, "contentType" | "metadata"> {
  const meta = Object.entries(headers).filter(([name]) => name.startsWith("x-amz-meta-"));
  const metadata = Object.fromEntries(meta.map(([name, value]) => [name.slice("x-amz-meta-".length), value]));
  return { contentType: headers["content-type"] ?? "binary/octet-stream", metadata };
}

function objectHeaders(o: S3Object): Record<string, string> {
  const meta = Object.fromEntries(Object.entries(o.metadata).map(([k, v]) => [`x-amz-meta-${k}`, v]));
  const [modified, length] = [new Date(o.lastModified).toUTCString(), String(o.bytes.length)];
  const about = { etag: o.etag, "last-modified": modified, "content-length": length };
  return { ...meta, ...about, "content-type": o.contentType, "accept-ranges": "bytes" };
}

// `bytes=a-b`, `bytes=a-`, `bytes=-n`; anything unparsable is ignored (the full body), as S3 does.
function parseRange(header: string | undefined, size: number): [number, number] | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? "");
  if (!m || (m[1] === "" && m[2] === "") || (m[1] !== "" && m[2] !== "" && Number(m[2]) < Number(m[1])))
    return undefined;
  if (m[1] === "") return size === 0 ? undefined : [Math.max(0, size - Number(m[2])), size - 1];
  if (Number(m[1]) >= size) throw s3Error(416, "InvalidRange", "The requested range is not satisfiable");
  return [Number(m[1]), m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1)];
}

function etagMatches(header: string, etag: string): boolean {
  const bare = (s: string) => s.trim().replace(/^W\//, "").replace(/^"|"$/g, "");
  return header.split(",").some((h) => h.trim() === "*" || bare(h) === bare(etag));
}

function md5(bytes: Buffer): string {
  return createHash("md5").update(bytes).digest("hex");
}

// undefined when the client gave up mid-body.
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("close", () => resolve(req.complete ? Buffer.concat(chunks) : undefined));
  });
}
