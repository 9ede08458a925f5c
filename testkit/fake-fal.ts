// A fake fal.ai on 127.0.0.1 speaking the queue, storage and proxy protocol of @fal-ai/client 1.10
// (shared/reference/fal-queue-protocol.md). It records every request and can inject faults. Every shipped video
// mode's and pass's endpoint checks its input against fal's published schema, as fal does (fake-fal-schemas.ts).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { makeClip } from "./clips.js";
import { pcmWav } from "./wav.js";
import { listingAnswer, type ListingOptions } from "./fake-fal-listing.js";
import { passVideo } from "./fake-fal-passes.js";
import {
  inputErrors,
  passEndpoint,
  requestedAudio,
  resultAt,
  requestedSeconds,
  videoEndpoint,
  videoResult,
} from "./fake-fal-schemas.js";

// The key the fake accepts unless told otherwise; falEnv passes the fake's own key.
export const TEST_FAL_KEY = "sk-test-5f0c-DO-NOT-LEAK-9a1b";

export type Route =
  | "initiate"
  | "upload"
  | "file"
  | "submit"
  | "status"
  | "stream"
  | "result"
  | "cancel"
  | "download"
  | "listing"
  | "unknown";

export interface Recorded {
  route: Route;
  method: string;
  target: string;
  requestId?: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  at: number;
  // How many requests the same TCP connection carried before this one (0: a fresh connection).
  earlierOnConnection: number;
}

// "accept-reset" (submits only): the request is queued, and billed, and then the connection is cut before the
// answer, as when fal's answer is lost on the way back.
export type FaultAction =
  | { status: number; body?: unknown }
  | { delayMs: number }
  | "truncate"
  | "reset"
  | "accept-reset";
export interface Fault {
  route: Route;
  // How many times it fires; with `chance`, each matching request fires with that probability.
  times: number;
  chance?: number;
  action: FaultAction;
  when?: (r: Recorded) => boolean;
}

interface Job {
  id: string;
  endpoint: string;
  input: Record<string, unknown>;
  submittedAt: number;
  fetched: boolean;
  cancelled: boolean;
}

export interface FakeFalOptions {
  key?: string;
  // Milliseconds from submit to COMPLETED; the first third is spent IN_QUEUE.
  latencyMs?: number;
  // Serve the status stream (server-sent events); without it the route is unknown (404), as on a server
  // that has none, and clients poll.
  statusStream?: boolean;
  faults?: Fault[];
  // Deterministic randomness for `chance` faults (default Math.random).
  random?: () => number;
  // The image served for a finished still (default: a 640x360 PNG).
  image?: (input: Record<string, unknown>) => Buffer;
  // The mp4 served for a finished request (default: a tiny clip of the requested length).
  video?: (input: Record<string, unknown>) => Buffer;
  // The audio served for a finished voice-over or music bed (default: a WAV tone of the right length).
  audio?: (input: Record<string, unknown>) => Buffer;
  // Upscale passes serve their input scaled to the target (default: the input as it is, which is faster).
  upscaleForReal?: boolean;
  // The request listing (platform API): a lag before a request shows, or a status every look answers.
  listing?: ListingOptions;
}

export class FakeFal {
  readonly requests: Recorded[] = [];
  readonly jobs = new Map<string, Job>();
  readonly faults: Fault[];
  maxInFlight = 0;
  private server: Server;
  private uploads = new Map<string, Buffer>();
  // Each pass's served video, made once from its uploaded inputs.
  private passVideos = new Map<string, Buffer | undefined>();
  private nextId = 1;
  private waiters: Array<{ check: () => boolean; resolve: () => void }> = [];
  url = "";

  // Serve other videos from now on (undefined: the default tiny clip).
  setVideo(video: FakeFalOptions["video"]): void {
    if (video) this.options.video = video;
    else delete this.options.video;
  }

  constructor(readonly options: FakeFalOptions = {}) {
    this.faults = [...(options.faults ?? [])];
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  get key(): string {
    return this.options.key ?? TEST_FAL_KEY;
  }

  get proxyUrl(): string {
    return `${this.url}/api/fal/proxy`;
  }

  // Resolves as soon as `check` holds, tested after every request and every new job: tests wait on what the
  // server saw (the second submit arrived) instead of sleeping.
  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ check, resolve }));
  }

  private notify(): void {
    for (const w of [...this.waiters])
      if (w.check()) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
  }

  count(route: Route): number {
    return this.requests.filter((r) => r.route === route).length;
  }

  // Submits per prompt: the never-pay-twice assertions count these.
  submitsByPrompt(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const job of this.jobs.values())
      counts.set(String(job.input.prompt), (counts.get(String(job.input.prompt)) ?? 0) + 1);
    return counts;
  }

  forget(requestId: string): void {
    this.jobs.delete(requestId);
  }

  inFlight(): number {
    return [...this.jobs.values()].filter((j) => !j.fetched && !j.cancelled).length;
  }

  private readonly perSocket = new WeakMap<object, number>();

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const target = String(req.headers["x-fal-target-url"] ?? `${this.url}${req.url}`);
    const { route, requestId } = classify(req.method ?? "GET", target);
    const served = this.perSocket.get(req.socket) ?? 0;
    this.perSocket.set(req.socket, served + 1);
    const record: Recorded = {
      earlierOnConnection: served,
      route,
      method: req.method ?? "GET",
      target,
      ...(requestId && { requestId }),
      headers: req.headers,
      body: body.toString("utf8"),
      at: Date.now(),
    };
    this.requests.push(record);
    this.notify();
    const random = this.options.random ?? Math.random;
    const fault = this.faults.find(
      (f) =>
        f.route === route &&
        f.times > 0 &&
        (!f.when || f.when(record)) &&
        (f.chance === undefined || random() < f.chance),
    );
    if (fault) {
      fault.times -= 1;
      if (fault.action === "reset") return void req.socket.destroy();
      if (fault.action === "accept-reset" && route === "submit") {
        if (this.refused(res, target, record.body)) return;
        this.queue(target, record.body);
        return void req.socket.destroy();
      }
      if (typeof fault.action === "object" && "delayMs" in fault.action)
        // Unref'd: a long delay must not keep a finished test's process alive.
        await new Promise((r) => setTimeout(r, (fault.action as { delayMs: number }).delayMs).unref());
      else if (fault.action !== "truncate" && fault.action !== "accept-reset")
        return json(
          res,
          fault.action.status,
          fault.action.body ?? { detail: `injected ${fault.action.status}` },
        );
    }
    if (
      ["initiate", "submit", "status", "stream", "result", "cancel", "listing"].includes(route) &&
      req.headers.authorization !== `Key ${this.key}`
    ) {
      return json(res, 401, { detail: "Invalid or missing credentials" });
    }
    switch (route) {
      case "initiate": {
        const id = `u${this.nextId++}`;
        const name = (JSON.parse(record.body || "{}") as { file_name?: string }).file_name ?? "file";
        return json(res, 200, {
          upload_url: `${this.url}/upload/${id}`,
          file_url: `${this.url}/files/${id}/${name}`,
        });
      }
      case "upload":
        this.uploads.set(target.split("/").pop()!, body);
        return json(res, 200, {});
      case "file":
        return this.uploads.has(target.split("/")[4]!)
          ? send(res, this.uploads.get(target.split("/")[4]!)!)
          : json(res, 404, { detail: "no such file" });
      case "submit":
        return this.submit(res, target, record.body);
      case "status":
        return this.status(res, requestId!);
      case "stream":
        if (this.options.statusStream) return this.stream(res, requestId!);
        return json(res, 404, { detail: `fake fal has no route for ${req.method} ${target}` });
      case "result":
        return this.result(res, requestId!);
      case "cancel": {
        const job = this.jobs.get(requestId!);
        if (job) job.cancelled = true;
        return json(res, job ? 202 : 404, { status: job ? "CANCELLATION_REQUESTED" : "NOT_FOUND" });
      }
      case "download":
        return this.download(res, requestId!, fault?.action === "truncate");
      case "listing": {
        const latency = this.options.latencyMs ?? 300;
        const endedAt = (j: { submittedAt: number }) => j.submittedAt + latency;
        const answer = listingAnswer(
          this.jobs.values(),
          new URL(target),
          Date.now(),
          endedAt,
          this.options.listing ?? {},
        );
        return json(res, answer.status, answer.body);
      }
      default:
        return json(res, 404, { detail: `fake fal has no route for ${req.method} ${target}` });
    }
  }

  // A request some other client sent with this key (a killed run, another tool): queued, and billed.
  acceptFrom(endpoint: string, input: Record<string, unknown>): string {
    return this.queue(`https://queue.fal.run/${endpoint}`, JSON.stringify(input));
  }

  // A new request in the queue: from here on it is billed.
  private queue(target: string, body: string): string {
    const id = `req-${String(this.nextId++).padStart(4, "0")}`;
    const endpoint = new URL(target).pathname.slice(1);
    this.jobs.set(id, {
      id,
      endpoint,
      input: JSON.parse(body || "{}"),
      submittedAt: Date.now(),
      fetched: false,
      cancelled: false,
    });
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight());
    this.notify();
    return id;
  }

  // A video input its endpoint's published schema refuses is answered 422 as fal answers it, and never queued.
  private refused(res: ServerResponse, target: string, body: string): boolean {
    const path = new URL(target).pathname.slice(1);
    const endpoint = videoEndpoint(path) ?? passEndpoint(path);
    if (!endpoint) return false;
    const errors = inputErrors(endpoint, JSON.parse(body || "{}"), (url) => this.served(url));
    if (errors.length === 0) return false;
    json(res, 422, { detail: errors });
    return true;
  }

  // A URL the fake's storage handed out for a file it holds.
  private served(url: string): boolean {
    return this.uploaded(url) !== undefined;
  }

  // The bytes of a file the fake's storage holds, by the URL it handed out.
  uploaded(url: unknown): Buffer | undefined {
    const prefix = `${this.url}/files/`;
    if (typeof url !== "string" || !url.startsWith(prefix)) return undefined;
    return this.uploads.get(url.slice(prefix.length).split("/")[0]!);
  }

  private submit(res: ServerResponse, target: string, body: string): void {
    if (this.refused(res, target, body)) return;
    const id = this.queue(target, body);
    const app = new URL(target).pathname.split("/").slice(1, 3).join("/");
    const base = `https://queue.fal.run/${app}/requests/${id}`;
    json(res, 200, {
      status: "IN_QUEUE",
      request_id: id,
      response_url: base,
      status_url: `${base}/status`,
      cancel_url: `${base}/cancel`,
      queue_position: 0,
    });
  }

  private phase(job: Job): "IN_QUEUE" | "IN_PROGRESS" | "COMPLETED" {
    const elapsed = Date.now() - job.submittedAt;
    const latency = this.options.latencyMs ?? 300;
    return elapsed < latency / 3 ? "IN_QUEUE" : elapsed < latency ? "IN_PROGRESS" : "COMPLETED";
  }

  private status(res: ServerResponse, id: string): void {
    const job = this.jobs.get(id);
    if (!job) {
      json(res, 404, { detail: "Request not found" });
      return;
    }
    const body = this.statusOf(job);
    json(res, body.status === "COMPLETED" ? 200 : 202, body);
  }

  // As fal's status stream: the status now, then each change, and the stream closes after COMPLETED.
  private stream(res: ServerResponse, id: string): void {
    const job = this.jobs.get(id);
    if (!job) {
      json(res, 404, { detail: "Request not found" });
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const latency = this.options.latencyMs ?? 300;
    const send = () => {
      if (res.destroyed) return;
      const body = this.statusOf(job);
      res.write(`data: ${JSON.stringify(body)}\n\n`);
      if (body.status === "COMPLETED") return void res.end();
      const elapsed = Date.now() - job.submittedAt;
      const next = elapsed < latency / 3 ? latency / 3 : latency;
      setTimeout(send, Math.max(0, next - elapsed) + 1);
    };
    send();
  }

  private statusOf(job: Job) {
    const id = job.id;
    const status = this.phase(job);
    const logs =
      status === "IN_QUEUE"
        ? []
        : [
            {
              message: `generating frames for ${id}`,
              level: "INFO",
              source: "USER",
              timestamp: new Date().toISOString(),
            },
          ];
    return {
      status,
      request_id: id,
      queue_position: status === "IN_QUEUE" ? 0 : undefined,
      logs,
      ...(status === "COMPLETED" && { metrics: { inference_time: 1.2 } }),
    };
  }

  private result(res: ServerResponse, id: string): void {
    const job = this.jobs.get(id);
    if (!job) {
      json(res, 404, { detail: "Request not found" });
      return;
    }
    if (this.phase(job) !== "COMPLETED") {
      json(res, 400, { detail: "Request is still in progress" });
      return;
    }
    job.fetched = true;
    if (String(job.input.prompt).includes("REJECT")) {
      json(
        res,
        422,
        {
          detail: [
            {
              loc: ["body", "prompt"],
              msg: "The prompt was flagged by the content checker",
              type: "content_policy_violation",
            },
          ],
        },
        { "x-fal-request-id": id },
      );
      return;
    }
    if (isAudioJob(job)) {
      const file = { url: `${this.url}/audio/${id}.wav`, content_type: "audio/wav", file_name: "audio.wav" };
      // Kokoro answers { audio }, CassetteAI { audio_file }, as their fal pages say.
      json(res, 200, job.endpoint.startsWith("cassetteai/") ? { audio_file: file } : { audio: file }, {
        "x-fal-request-id": id,
      });
      return;
    }
    if (isImageJob(job)) {
      json(
        res,
        200,
        {
          images: [
            { url: `${this.url}/images/${id}.png`, content_type: "image/png", width: 640, height: 360 },
          ],
          seed: 42,
        },
        { "x-fal-request-id": id },
      );
      return;
    }
    const file = {
      url: `${this.url}/videos/${id}.mp4`,
      content_type: "video/mp4",
      file_name: "output.mp4",
      file_size: this.videoOf(job).length,
    };
    const video = videoEndpoint(job.endpoint);
    const pass = passEndpoint(job.endpoint);
    const result = video
      ? videoResult(video.model, file, id)
      : pass
        ? resultAt(pass.pass, file)
        : { video: file };
    json(res, 200, result, { "x-fal-request-id": id });
  }

  private imageOf(job: Job): Buffer {
    return this.options.image ? this.options.image(job.input) : stillBytes();
  }

  private audioOf(job: Job): Buffer {
    if (this.options.audio) return this.options.audio(job.input);
    // Speech at about 150 words a minute; music as long as asked.
    const words = String(job.input.prompt ?? job.input.text ?? "")
      .split(/\s+/)
      .filter(Boolean).length;
    const seconds = job.endpoint.startsWith("cassetteai/")
      ? Number(job.input.duration ?? 30)
      : Math.max(0.5, words / 2.5);
    return wavTone(seconds, job.endpoint.startsWith("cassetteai/") ? 2000 : 700);
  }

  private videoOf(job: Job): Buffer {
    if (this.options.video) return this.options.video(job.input);
    return this.passVideoOf(job) ?? clipBytes(job);
  }

  private passVideoOf(job: Job): Buffer | undefined {
    const pass = passEndpoint(job.endpoint);
    if (!pass) return undefined;
    if (!this.passVideos.has(job.id)) {
      const fileAt = (url: unknown) => this.uploaded(url);
      this.passVideos.set(job.id, passVideo(pass.pass, job.input, fileAt, this.options.upscaleForReal));
    }
    return this.passVideos.get(job.id);
  }

  private download(res: ServerResponse, id: string, truncate: boolean): void {
    const job = this.jobs.get(id);
    if (!job) {
      json(res, 404, { detail: "no such video" });
      return;
    }
    const image = isImageJob(job);
    const audio = isAudioJob(job);
    const bytes = audio ? this.audioOf(job) : image ? this.imageOf(job) : this.videoOf(job);
    const type = audio ? "audio/wav" : image ? "image/png" : "video/mp4";
    if (!truncate) {
      send(res, bytes, type);
      return;
    }
    res.writeHead(200, { "content-type": type, "content-length": bytes.length });
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.socket?.destroy());
  }
}

function classify(method: string, target: string): { route: Route; requestId?: string } {
  const url = new URL(target);
  const p = url.pathname;
  if (/^rest(\.alpha)?\.fal\.ai$/.test(url.hostname) && p.startsWith("/storage/upload/initiate"))
    return { route: "initiate" };
  if (p.startsWith("/upload/")) return { route: "upload" };
  if (p.startsWith("/files/")) return { route: "file" };
  if (p.startsWith("/videos/") || p.startsWith("/images/") || p.startsWith("/audio/"))
    return { route: "download", requestId: p.split("/")[2]!.replace(/\.(mp4|png|wav)$/, "") };
  if (url.hostname === "api.fal.ai" && p === "/v1/models/requests/by-endpoint") return { route: "listing" };
  if (url.hostname === "queue.fal.run") {
    const m = /^\/[^/]+\/[^/]+\/requests\/([^/]+)(\/status\/stream|\/status|\/cancel)?$/.exec(p);
    const routes: Record<string, Route> = {
      "/status": "status",
      "/status/stream": "stream",
      "/cancel": "cancel",
    };
    if (m) return { route: routes[m[2] ?? ""] ?? "result", requestId: m[1]! };
    if (method === "POST") return { route: "submit" };
  }
  return { route: "unknown" };
}

// Text-to-image and edit endpoints (FLUX, Nano Banana) answer with images; Kling and every shipped video mode
// with a video.
export function isImageJob(job: { endpoint: string }): boolean {
  return (
    !job.endpoint.includes("kling-video") &&
    !videoEndpoint(job.endpoint) &&
    !passEndpoint(job.endpoint) &&
    !isAudioJob(job)
  );
}

// Text-to-speech (Kokoro) and music (CassetteAI) answer with audio.
export function isAudioJob(job: { endpoint: string }): boolean {
  return job.endpoint.startsWith("fal-ai/kokoro") || job.endpoint.startsWith("cassetteai/");
}

// A real WAV file: 16 kHz mono 16-bit PCM, a sine of `frequency` Hz at a quarter of full scale.
export function wavTone(seconds: number, frequency: number): Buffer {
  const rate = 16000;
  return pcmWav({
    rate,
    channels: 1,
    frames: Math.round(seconds * rate),
    sample: (i) => Math.round(8191 * Math.sin((2 * Math.PI * frequency * i) / rate)),
  });
}

let still: Buffer | undefined;

// A real 640x360 PNG, made once per process.
function stillBytes(): Buffer {
  if (!still)
    still = execFileSync("ffmpeg", [
      "-v",
      "error",
      "-f",
      "lavfi",
      "-i",
      "testsrc2=s=640x360",
      "-frames:v",
      "1",
      "-f",
      "image2pipe",
      "-c:v",
      "png",
      "-",
    ]);
  return still;
}

// A real, tiny mp4 (160x90) of the length the input asks for, in its mode's form, with audio when the mode makes
// it (for Kling: unless generate_audio is off).
function clipBytes(job: Job): Buffer {
  const video = videoEndpoint(job.endpoint);
  const seconds = video ? requestedSeconds(video.model, job.input) : Number(job.input.duration ?? 5);
  const audio = video ? requestedAudio(video.model, job.input) : job.input.generate_audio !== false;
  return readFileSync(makeClip({ seconds, audio, sampleRate: 48000, frequency: 440, gop: null }));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
  });
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function send(res: ServerResponse, bytes: Buffer, type = "application/octet-stream"): void {
  res.writeHead(200, { "content-type": type, "content-length": bytes.length });
  res.end(bytes);
}
