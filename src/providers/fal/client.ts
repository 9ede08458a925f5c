// The one place @fal-ai/client is configured: credentials, optionally fal's proxy protocol, and a guard on submits.
import { createFalClient, type FalClient } from "@fal-ai/client";
import { causeOf, NEVER_SENT } from "./errors.js";
import { fetchSubmit } from "./submit-connection.js";
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

const submitOnce: typeof fetch = async (input, init) => {
  const submit = isSubmit(input, init);
  let response: Response;
  try {
    response = submit ? await fetchSubmit(input, init) : await fetch(input, init);
  } catch (err) {
    // A refused connection or a failed DNS lookup means the submit never left: the client may retry it safely.
    if (submit && (err as Error).name !== "AbortError" && !NEVER_SENT.has(causeOf(err))) {
      throw new UnansweredSubmitError(`the submit got no answer (${causeOf(err)})`, { cause: err });
    }
    throw err;
  }
  if (submit && (response.status === 502 || response.status === 504)) {
    throw new UnansweredSubmitError(
      `the submit got HTTP ${response.status} from a gateway; fal may still have queued it`,
    );
  }
  return response;
};

function isSubmit(input: Parameters<typeof fetch>[0], init?: RequestInit): boolean {
  if ((init?.method ?? "GET").toUpperCase() !== "POST") return false;
  const headers = new Headers(init?.headers);
  const target = new URL(
    headers.get("x-fal-target-url") ?? (input instanceof Request ? input.url : String(input)),
  );
  return target.hostname === "queue.fal.run" && !target.pathname.includes("/requests/");
}
