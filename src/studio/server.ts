// The studio's HTTP server on 127.0.0.1: every request guarded (guard.ts), then the page, the View, the event
// stream, the files (files.ts) and the actions (actions.ts), each answered as studio-contract.md says.
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { type Answer, answerError, type StudioActions } from "./actions.js";
import { servedFile, sendFile } from "./files.js";
import { refusal } from "./guard.js";
import type { StudioSession } from "./session.js";
import type { EventHub } from "./sse.js";

// The page's own files, and the placeholder index.html carries for the token its css and script URLs need.
const PAGE_FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/studio.css": { file: "studio.css", type: "text/css; charset=utf-8" },
  "/studio.js": { file: "studio.js", type: "text/javascript; charset=utf-8" },
  "/studio-dom.js": { file: "studio-dom.js", type: "text/javascript; charset=utf-8" },
  "/studio-cards.js": { file: "studio-cards.js", type: "text/javascript; charset=utf-8" },
  "/studio-fields.js": { file: "studio-fields.js", type: "text/javascript; charset=utf-8" },
};
const TOKEN_PLACEHOLDER = /__STORYREEL_TOKEN__/g;
const PAGE_CSP =
  "default-src 'self'; media-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'";
const MAX_BODY = 1024 * 1024;

type Post = (body: Record<string, unknown>) => Promise<Answer> | Answer;

export interface ServerParts {
  session: StudioSession;
  actions: StudioActions;
  hub: EventHub;
  token: string;
  pageDir: string;
  // An unexpected failure (a bug), said on the terminal; the page gets a 500 without the details.
  onBug: (err: unknown) => void;
}

export async function listen(parts: ServerParts, port: number): Promise<Server> {
  const posts: Record<string, Post> = {
    "/api/render": (b) => parts.actions.render(b),
    "/api/stop": () => parts.actions.stop(),
    "/api/pick": (b) => parts.actions.pick(b),
    "/api/retake": (b) => parts.actions.retake(b),
    "/api/edit": (b) => parts.actions.edit(b),
  };
  const server = createServer((req, res) => {
    handle(req, res, parts, posts, (server.address() as AddressInfo).port).catch((err) => {
      parts.onBug(err);
      if (!res.headersSent) json(res, 500, { error: "the studio hit a bug; the terminal shows it" });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return server;
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  parts: ServerParts,
  posts: Record<string, Post>,
  port: number,
): Promise<void> {
  const raw = req.url ?? "/";
  let url: URL;
  try {
    url = new URL(raw, `http://127.0.0.1:${port}`);
  } catch {
    return json(res, 400, { error: "not a request target this server knows" });
  }
  // The path as sent: the URL parser would resolve `..` and `%2e%2e` before the file check could refuse them.
  const route = raw.split("?")[0]!;
  const why = refusal(req, url, parts.token, port);
  if (why) return json(res, 403, { error: `refused: ${why}` });
  if (req.method === "POST") {
    const post = posts[route];
    if (!post) return json(res, 404, { error: "not found" });
    const body = await readBody(req);
    if (body === undefined)
      return json(res, 400, { error: "the body must be a JSON object of at most 1 MB" });
    const answer = await Promise.resolve()
      .then(() => post(body))
      .catch((err) => answerError(err) ?? Promise.reject(err));
    return json(res, answer.status, answer.body);
  }
  if (req.method !== "GET" && req.method !== "HEAD") return json(res, 405, { error: "GET or POST only" });
  const page = PAGE_FILES[route];
  if (page) return sendPage(res, parts, page);
  if (route === "/api/view") return json(res, 200, parts.session.view);
  if (route === "/api/events")
    return parts.hub.add(res, { event: "view", data: JSON.stringify(parts.session.view) });
  const files = /^\/files\/(project|cache)\/(.+)$/.exec(route);
  const root = files && (files[1] === "project" ? parts.session.roots.project : parts.session.roots.cache);
  const file = root ? await servedFile(root, files[2]!) : undefined;
  if (file) return sendFile(req, res, file);
  return json(res, 404, { error: "not found" });
}

async function sendPage(res: ServerResponse, parts: ServerParts, page: { file: string; type: string }) {
  const text = await readFile(path.join(parts.pageDir, page.file), "utf8").catch(() => undefined);
  if (text === undefined) return json(res, 404, { error: "not found" });
  // The page and its modules name each other with the token (an import carries no header); the css names none.
  const body = page.file.endsWith(".css") ? text : text.replaceAll(TOKEN_PLACEHOLDER, parts.token);
  res.writeHead(200, {
    "Content-Type": page.type,
    "Content-Security-Policy": PAGE_CSP,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
  });
  res.end(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  });
  res.end(JSON.stringify(body));
}

// A JSON object (an empty body counts as `{}`), or undefined when it is too large or not an object.
async function readBody(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return {};
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
