// Who may talk to the studio: requests to 127.0.0.1 or localhost on its port (no DNS rebinding), carrying the
// session's token; a request that changes something carries it in a header and comes from the page's origin.
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { sha256 } from "../util/hash.js";

export const TOKEN_HEADER = "x-storyreel-token";

export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

// Why the request is refused (403), or undefined when it may go on.
export function refusal(req: IncomingMessage, url: URL, token: string, port: number): string | undefined {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (!hosts.includes(req.headers.host ?? "")) return "this studio answers only on 127.0.0.1 and localhost";
  const header = req.headers[TOKEN_HEADER];
  const given = typeof header === "string" ? header : undefined;
  if (req.method === "GET" || req.method === "HEAD") {
    if (!sameToken(given ?? url.searchParams.get("token") ?? "", token)) return "a missing or wrong token";
    return undefined;
  }
  // A change needs the header (a link or a form cannot set one) and the page's own origin.
  if (!sameToken(given ?? "", token)) return "a change needs the token in the X-Storyreel-Token header";
  const origin = req.headers.origin ?? "";
  if (!hosts.some((h) => origin === `http://${h}`)) return "a change must come from the studio's own page";
  return undefined;
}

// In constant time: both sides hashed first, so their lengths match too.
function sameToken(given: string, token: string): boolean {
  return timingSafeEqual(Buffer.from(sha256(given), "hex"), Buffer.from(sha256(token), "hex"));
}
