// The one place @fal-ai/client is configured: credentials, optionally fal's proxy protocol, and a guard on submits.
import { createFalClient, type FalClient } from "@fal-ai/client";
import { causeOf, NEVER_SENT } from "./errors.js";
import { fetchOnFreshConnection, fetchPooled } from "./fresh-connection.js";
import type { FalSettings } from "./settings.js";

export function makeFalClient(settings: FalSettings): FalClient {
  return createFalClient({
    credentials: settings.credentials,
    suppressLocalCredentialsWarning: true,
    fetch: submitOnce,
    ...(settings.proxyUrl && { proxyUrl: { url: settings.proxyUrl, when: "always" as const } }),
  });
}

// The client retries a submit by itself after a dropped connection or a 502/504, but such a submit may already
// be queued (and billed) at fal, so a retry could pay twice. For submits only, those outcomes are turned into
// an error the client never retries (it skips AbortErrors); storyreel then keeps the "submitting" journal entry
// and refuses to submit that shot again without --resubmit-unconfirmed. 429 and 503 mean "not accepted" and are
// still retried by the client.
export class UnansweredSubmitError extends Error {
  override name = "AbortError";
  readonly unansweredSubmit = true;
}

async function submitOnce(input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> {
  const kind = kindOf(input, init);
  const submit = kind === "submit";
  let response: Response;
  try {
    response = submit
      ? await fetchOnFreshConnection(input, init)
      : kind === "upload"
        ? await fetchPooled(input, init)
        : await fetch(input, init);
  } catch (err) {
    // A refused connection, a failed DNS lookup or a failed TLS handshake means the submit never left: the
    // client may retry it safely.
    const neverSent = NEVER_SENT.has(causeOf(err)) || (err as { neverSent?: boolean }).neverSent;
    if (submit && (err as Error).name !== "AbortError" && !neverSent) {
      throw new UnansweredSubmitError(`the submit got no answer (${causeOf(err)})`, { cause: err });
    }
    throw err;
  }
  if (kind === "status stream" && response.ok && !isEventStream(response)) {
    // FalStream reads any other 2xx as raw chunks with no error handling: make it an answer it can refuse.
    await response.body?.cancel();
    return Response.json({ detail: "the status stream answered without events" }, { status: 406 });
  }
  if (submit && (response.status === 502 || response.status === 504)) {
    throw new UnansweredSubmitError(
      `the submit got HTTP ${response.status} from a gateway; fal may still have queued it`,
    );
  }
  return response;
}

function isEventStream(response: Response): boolean {
  return (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
}

// What a request of the fal client is, from its method and its target (fal's proxy protocol names the target
// in a header):
// - a submit: a POST to the queue that is not about an existing request;
// - an upload: fal storage's initiate call, or the PUT of the bytes (not a queue call such as cancel, which is a
//   PUT too);
// - a request's status stream.
function kindOf(
  input: Parameters<typeof fetch>[0],
  init?: RequestInit,
): "submit" | "upload" | "status stream" | "other" {
  const method = (init?.method ?? "GET").toUpperCase();
  const target = new URL(
    new Headers(init?.headers).get("x-fal-target-url") ??
      (input instanceof Request ? input.url : String(input)),
  );
  const { pathname } = target;
  const aboutARequest = pathname.includes("/requests/");
  if (method === "POST" && target.hostname === "queue.fal.run" && !aboutARequest) return "submit";
  if (method === "PUT" && !aboutARequest) return "upload";
  if (method === "POST" && pathname.endsWith("/storage/upload/initiate")) return "upload";
  if (pathname.endsWith("/status/stream")) return "status stream";
  return "other";
}
