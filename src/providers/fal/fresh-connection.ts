// A submit on a TCP connection of its own. A pooled connection that the server (or a gateway) closed while it
// sat idle fails with ECONNRESET the moment it is reused, and for a submit that looks exactly like "sent, no
// answer" (maybe queued, maybe billed). On a fresh connection a reset means what it says, and nothing is lost.
// Image uploads (free, and safe to send again) go through Node's keep-alive pool instead: its first connection
// costs far less than fetch's (which compiles its HTTP parser then), and the first submits wait for the upload.
import http from "node:http";
import https from "node:https";
import type { SpareConnections } from "./spare-connections.js";

export function fetchOnFreshConnection(
  input: Parameters<typeof fetch>[0],
  init?: RequestInit,
  spares?: SpareConnections,
): Promise<Response> {
  return nodeFetch(input, init, { fresh: true, ...(spares && { spares }) });
}

export function fetchPooled(input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> {
  return nodeFetch(input, init, { fresh: false });
}

type Connection = { fresh: true; spares?: SpareConnections } | { fresh: false };

// fetch's contract for the requests the fal client makes, over Node's http module, answers read whole.
async function nodeFetch(
  input: Parameters<typeof fetch>[0],
  init: RequestInit | undefined,
  how: Connection,
): Promise<Response> {
  const given = init?.body ?? undefined;
  const body = given instanceof Blob ? new Uint8Array(await given.arrayBuffer()) : given;
  // The fal client sends JSON strings and files; anything else goes the usual way.
  if (body !== undefined && typeof body !== "string" && !(body instanceof Uint8Array))
    return fetch(input, init);
  const url = new URL(input instanceof Request ? input.url : String(input));
  const headers: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, name) => {
    headers[name] = value;
  });
  if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
  if (how.fresh) headers.connection = "close";
  const send = url.protocol === "https:" ? https.request : http.request;
  // A connection opened for this submit a moment ago (see spare-connections.ts), else a new one.
  const spare = how.fresh ? how.spares?.take(url) : undefined;
  const connection = !how.fresh ? {} : spare ? { createConnection: () => spare } : { agent: false as const };
  return new Promise<Response>((resolve, reject) => {
    const request = send(
      url,
      { method: init?.method ?? "GET", headers, ...connection, ...(init?.signal && { signal: init.signal }) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const status = res.statusCode ?? 500;
          const empty = status === 204 || status === 304;
          const out = new Headers();
          for (const [name, value] of Object.entries(res.headers))
            if (value !== undefined) out.set(name, Array.isArray(value) ? value.join(", ") : value);
          resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers: out }));
        });
      },
    );
    request.setNoDelay(true);
    // As fetch does: a request that gets no answer at all gives up after 300 s (a submit is then unconfirmed).
    request.setTimeout(300_000, () => request.destroy(new Error("no answer within 300 s")));
    // Shaped like fetch's own failure, so the cause (ECONNRESET, ECONNREFUSED) is read the same way.
    request.on("error", (err) =>
      reject(err.name === "AbortError" ? err : new TypeError("fetch failed", { cause: err })),
    );
    request.end(body);
  });
}
