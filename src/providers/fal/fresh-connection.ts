// A submit on a TCP connection of its own. A pooled connection that the server (or a gateway) closed while it
// sat idle fails with ECONNRESET the moment it is reused, and for a submit that looks exactly like "sent, no
// answer" (maybe queued, maybe billed). On a fresh connection a reset means what it says, and nothing is lost.
// Image uploads (free, and safe to send again) go through Node's keep-alive pool instead: its first connection
// costs far less than fetch's (which compiles its HTTP parser then), and the first submits wait for the upload.
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { TLSSocket } from "node:tls";
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
  const spare = how.fresh ? await how.spares?.take(url) : undefined;
  const connection = !how.fresh ? {} : spare ? { createConnection: () => spare } : { agent: false as const };
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    // Until the connection is up (and its TLS handshake done), not one byte of the request can have arrived.
    let mayHaveArrived = spare !== undefined;
    const fail = (err: Error) =>
      reject(
        err.name === "AbortError"
          ? err
          : // Shaped like fetch's own failure, so the cause (ECONNRESET, ECONNREFUSED) is read the same way.
            Object.assign(new TypeError("fetch failed", { cause: err }), { neverSent: !mayHaveArrived }),
      );
    let request: http.ClientRequest;
    try {
      request = send(
        url,
        {
          method: init?.method ?? "GET",
          headers,
          ...connection,
          ...(init?.signal && { signal: init.signal }),
        },
        resolve,
      );
    } catch (err) {
      // A header Node refuses (a key with a control character, say): nothing left this machine.
      spare?.destroy();
      mayHaveArrived = false;
      return fail(err as Error);
    }
    request.on("socket", (socket) => {
      const up = () => (mayHaveArrived = true);
      if (socket instanceof TLSSocket) socket.once("secureConnect", up);
      else if (socket.connecting) socket.once("connect", up);
      else up();
    });
    request.setNoDelay(true);
    // As fetch does: a request that gets no answer at all gives up after 300 s (a submit is then unconfirmed).
    request.setTimeout(300_000, () => request.destroy(new Error("no answer within 300 s")));
    request.on("error", fail);
    request.end(body);
  });
  // An upload sent elsewhere: fetch follows the redirect (an upload is free to send again).
  if (
    !how.fresh &&
    [301, 302, 303, 307, 308].includes(response.statusCode ?? 0) &&
    response.headers.location
  ) {
    response.resume();
    return fetch(input, init);
  }
  return readWhole(response);
}

// The answer as a fetch Response. A status Response cannot hold (below 200 or above 599) is an error, as
// fetch makes it; statuses that carry no body get none.
function readWhole(res: IncomingMessage): Promise<Response> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (chunk: Buffer) => chunks.push(chunk));
    res.on("error", (err) => reject(new TypeError("fetch failed", { cause: err })));
    res.on("end", () => {
      try {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 599)
          throw new TypeError("fetch failed", { cause: new Error(`unexpected HTTP status ${status}`) });
        const out = new Headers();
        for (const [name, value] of Object.entries(res.headers))
          if (value !== undefined) out.set(name, Array.isArray(value) ? value.join(", ") : value);
        const empty = [204, 205, 304].includes(status);
        resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers: out }));
      } catch (err) {
        reject(err);
      }
    });
  });
}
