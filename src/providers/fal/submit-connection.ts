// How a submit travels. A pooled connection that the server (or a gateway) closed while it sat idle fails with
// ECONNRESET the moment it is reused, before any answer, and for a submit that would look like "sent, no
// answer" (maybe queued, maybe billed). Node says whether a request went out on a reused connection, so a
// submit reset there before any byte of an answer is sent again on a fresh connection; a reset on a fresh
// connection, or after an answer began, stays unconfirmed. Reusing connections saves a TCP (and TLS) handshake
// per submit: about 25 ms each against a local server under load, more against fal.
import http from "node:http";
import https from "node:https";

// Idle connections are closed before a server's usual 5 s keep-alive timeout would close them under us.
const pools = {
  "http:": new http.Agent({ keepAlive: true, timeout: 4000 }),
  "https:": new https.Agent({ keepAlive: true, timeout: 4000 }),
};

// Codes of a connection that was gone before the request could be read.
const STALE_CONNECTION = new Set(["ECONNRESET", "EPIPE"]);

export async function fetchSubmit(input: Parameters<typeof fetch>[0], init?: RequestInit) {
  const body = init?.body ?? undefined;
  // The fal client sends JSON strings; anything else goes the usual way.
  if (body !== undefined && typeof body !== "string" && !(body instanceof Uint8Array))
    return fetch(input, init);
  const url = new URL(input instanceof Request ? input.url : String(input));
  try {
    return await send(url, init, body, "pooled");
  } catch (err) {
    const stale = (err as { staleReuse?: boolean }).staleReuse;
    if (!stale) throw err;
    return send(url, init, body, "fresh");
  }
}

function send(
  url: URL,
  init: RequestInit | undefined,
  body: string | Uint8Array | undefined,
  connection: "pooled" | "fresh",
): Promise<Response> {
  const headers: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, name) => {
    headers[name] = value;
  });
  if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
  if (connection === "fresh") headers.connection = "close";
  const https_ = url.protocol === "https:";
  const request = (https_ ? https.request : http.request)(url, {
    method: init?.method ?? "GET",
    headers,
    agent: connection === "fresh" ? false : pools[https_ ? "https:" : "http:"],
    ...(init?.signal && { signal: init.signal }),
  });
  return new Promise<Response>((resolve, reject) => {
    let answered = false;
    request.on("response", (res) => {
      answered = true;
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
    });
    request.setNoDelay(true);
    // As fetch does: a submit that gets no answer at all gives up after 300 s (and is then unconfirmed).
    request.setTimeout(300_000, () => request.destroy(new Error("no answer within 300 s")));
    // Shaped like fetch's own failure, so the cause (ECONNRESET, ECONNREFUSED) is read the same way.
    request.on("error", (err: NodeJS.ErrnoException) => {
      if (err.name === "AbortError") return reject(err);
      const failure = new TypeError("fetch failed", { cause: err });
      const staleReuse = request.reusedSocket && !answered && STALE_CONNECTION.has(err.code ?? "");
      reject(Object.assign(failure, { staleReuse }));
    });
    request.end(body);
  });
}
