// A submit on a TCP connection of its own. A pooled connection that the server (or a gateway) closed while it
// sat idle fails with ECONNRESET the moment it is reused, and for a submit that looks exactly like "sent, no
// answer" (maybe queued, maybe billed). On a fresh connection a reset means what it says, and nothing is lost.
// Uploads (free, and safe to send again) go through Node's keep-alive pool: the first submits wait for them,
// and fetch's first request costs about 25 ms more (its HTTP parser and the first run of its code).
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { TLSSocket } from "node:tls";

export function fetchOnFreshConnection(input: Parameters<typeof fetch>[0], init?: RequestInit) {
  return nodeFetch(input, init, true);
}

// An upload on a kept-alive connection. One the server closed while it sat idle, a redirect, or any other
// failure to get an answer, is sent again through fetch: an upload is free to send twice.
export async function fetchPooled(input: Parameters<typeof fetch>[0], init?: RequestInit) {
  const answer = await nodeFetch(input, init, false).catch((err: Error) => {
    if (err.name === "AbortError") throw err;
    return undefined;
  });
  return answer && !REDIRECTS.has(answer.status) ? answer : fetch(input, init);
}

export const REDIRECTS = new Set([301, 302, 303, 307, 308]);

// fetch's contract for the requests the fal client makes, over Node's http module, answers read whole.
async function nodeFetch(
  input: Parameters<typeof fetch>[0],
  init: RequestInit | undefined,
  fresh: boolean,
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
  if (fresh) headers.connection = "close";
  const send = url.protocol === "https:" ? https.request : http.request;
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    // Until the connection is up (and its TLS handshake done), not one byte of the request can have arrived.
    let mayHaveArrived = false;
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
          ...(fresh && { agent: false as const }),
          ...(init?.signal && { signal: init.signal }),
        },
        resolve,
      );
    } catch (err) {
      // A header Node refuses (a key with a control character, say): nothing left this machine.
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
