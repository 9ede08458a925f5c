// `storyreel studio` run in process for tests: its address from the line it prints, requests with explicit
// headers (Node's fetch sends no Origin unless told), raw requests for paths fetch would normalise, and an SSE
// reader that waits for an event.
import { request } from "node:http";
import type { Problem } from "../../src/errors.js";
import type { View } from "../../src/studio/view.js";
import { runInProcess, type CliResult, type Env } from "../../testkit/cli.js";

// What the studio answers a POST with (studio-contract.md), each field present on some answers.
export interface Answer {
  error?: string;
  errors?: Problem[];
  confirm?: { cost: number; text: string };
  stale?: boolean;
  started?: boolean;
  hash?: string;
  view?: View;
}

// An event's data: a View (`view`), a render's start or end (`render`), or a pipeline event (`progress`).
export type EventData = Partial<View> & {
  state?: string;
  ok?: boolean;
  error?: string;
  cost?: number;
  type?: string;
  shot?: string;
};

export interface Studio {
  base: string;
  port: number;
  token: string;
  // Every response body the tests read, to check that no secret reaches the page.
  bodies: string[];
  get: (
    route: string,
    headers?: Record<string, string>,
  ) => Promise<{ status: number; text: string; headers: Headers }>;
  post: (
    route: string,
    body: unknown,
    headers?: Record<string, string>,
  ) => Promise<{ status: number; json: Answer }>;
  raw: (path: string, headers?: Record<string, string>) => Promise<{ status: number; text: string }>;
  events: () => Promise<Events>;
  // The first Ctrl-C; resolves with the command's result.
  stop: () => Promise<CliResult>;
  result: Promise<CliResult>;
}

export interface SseEvent {
  event: string;
  data: EventData;
  at: number;
}

export interface Events {
  seen: SseEvent[];
  // The first event from index `from` on that passes `check`.
  next: (check: (e: SseEvent) => boolean, ms?: number, from?: number) => Promise<SseEvent>;
  close: () => void;
}

export async function openStudio(args: string[], o: { cwd: string; env?: Env }): Promise<Studio> {
  const controller = new AbortController();
  let printed = "";
  let found: (url: string) => void = () => undefined;
  const address = new Promise<string>((resolve) => (found = resolve));
  const result = runInProcess(["studio", ...args], {
    cwd: o.cwd,
    ...(o.env && { env: o.env }),
    signal: controller.signal,
    onStdout: (t) => {
      printed += t;
      const m = /storyreel studio: (http:\/\/\S+)/.exec(printed);
      if (m) found(m[1]!);
    },
  });
  const url = await Promise.race([
    address,
    result.then((r) => Promise.reject(new Error(`studio ended: ${r.exitCode} ${r.stderr}`))),
  ]);
  const token = new URL(url).searchParams.get("token")!;
  const base = new URL(url).origin;
  const bodies: string[] = [];
  const own = { "X-Storyreel-Token": token };
  const get: Studio["get"] = async (route, headers = own) => {
    const r = await fetch(base + route, { headers });
    const text = await r.text();
    bodies.push(text);
    return { status: r.status, text, headers: r.headers };
  };
  const post: Studio["post"] = async (route, body, headers = { ...own, Origin: base }) => {
    const r = await fetch(base + route, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
    const text = await r.text();
    bodies.push(text);
    return { status: r.status, json: JSON.parse(text) as Answer };
  };
  const raw: Studio["raw"] = (path, headers = {}) =>
    new Promise((resolve, reject) => {
      const { port } = new URL(base);
      const req = request({ host: "127.0.0.1", port, path, headers: { ...own, ...headers } }, (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode!, text }));
      });
      req.on("error", reject);
      req.end();
    });
  return {
    base,
    port: Number(new URL(base).port),
    token,
    bodies,
    get,
    post,
    raw,
    events: () => readEvents(`${base}/api/events?token=${token}`, bodies),
    stop: () => {
      controller.abort();
      return result;
    },
    result,
  };
}

async function readEvents(url: string, bodies: string[]): Promise<Events> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  const seen: SseEvent[] = [];
  const waiters: Array<() => void> = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const text = decoder.decode(chunk, { stream: true });
        bodies.push(text);
        buffer += text;
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = [...block.matchAll(/^data: (.*)$/gm)].map((m) => m[1]).join("\n");
          if (event) seen.push({ event, data: JSON.parse(data) as EventData, at: Date.now() });
          for (const w of waiters.splice(0)) w();
          end = buffer.indexOf("\n\n");
        }
      }
    } catch {
      // closed by the test or by the studio
    }
    for (const w of waiters.splice(0)) w();
  })();
  const next: Events["next"] = async (check, ms = 30_000, start = 0) => {
    const end = Date.now() + ms;
    let from = start;
    for (;;) {
      const hit = seen.slice(from).find(check);
      if (hit) return hit;
      from = seen.length;
      if (Date.now() > end)
        throw new Error(`no such event within ${ms} ms; seen: ${seen.map((e) => e.event).join(", ")}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, end - Date.now()) + 5);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };
  return { seen, next, close: () => controller.abort() };
}
