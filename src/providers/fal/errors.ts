// Sort fal failures into transient (retry) and permanent (fail the shot now), keeping fal's own message.
import type { ApiError } from "@fal-ai/client";
import { ProviderError } from "../../errors.js";

const PERMANENT_STATUS = new Set([400, 401, 403, 422]);

export function classifyFalError(err: unknown, what: string, requestId?: string): ProviderError {
  if (err instanceof ProviderError) return err;
  if ((err as { unansweredSubmit?: boolean }).unansweredSubmit) {
    const why = (err as Error).message;
    return new ProviderError(
      `${what}: ${why}, so fal may be generating this shot with no request id to collect it by. Run again with --resubmit-unconfirmed to submit it anyway (this may pay for the shot twice).`,
      { transient: false, cause: err },
    );
  }
  if (isApiError(err)) {
    const status = err.status;
    const message = `${what}: fal answered ${status}: ${falMessage(err)}${hint(status)}`;
    return new ProviderError(message, { transient: !PERMANENT_STATUS.has(status), requestId, cause: err });
  }
  const e = err as Error;
  const detail = causeOf(err);
  return new ProviderError(`${what}: ${e.message}${detail && detail !== e.message ? ` (${detail})` : ""}`, {
    transient: true,
    requestId,
    cause: err,
  });
}

// Transport failures that mean the request never left this machine, so nothing can exist at fal.
export const NEVER_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]);

// The underlying reason of a fetch failure (undici wraps it as `cause`), e.g. "ECONNRESET".
export function causeOf(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

// Whether fal (or the proxy) answered at all: if it did not, a submit may or may not have arrived.
export function gotResponse(err: unknown): boolean {
  if ((err as { unansweredSubmit?: boolean }).unansweredSubmit) return false;
  // Failed before the connection was up (a TLS certificate refused, say): no request exists at fal.
  if ((err as { neverSent?: boolean }).neverSent) return true;
  if (isApiError(err)) return true;
  return NEVER_SENT.has(causeOf(err));
}

// For `.catch()` on calls whose failure changes nothing: fal answered with an error, or could not be reached.
export function ifFalUnavailable(err: unknown): undefined {
  if (isApiError(err) || err instanceof TypeError) return undefined;
  throw err;
}

export function isNotFound(err: unknown): boolean {
  return isApiError(err) && err.status === 404;
}

function falMessage(err: ApiError<unknown>): string {
  const body = err.body as { detail?: unknown; message?: string } | undefined;
  if (Array.isArray(body?.detail)) {
    return body.detail
      .map(
        (d: { msg?: string; type?: string; loc?: unknown[] }) =>
          `${d.msg ?? "invalid"}${d.type ? ` [${d.type}]` : ""}${d.loc ? ` at ${d.loc.join(".")}` : ""}`,
      )
      .join("; ");
  }
  if (typeof body?.detail === "string") return body.detail;
  return body?.message ?? err.message;
}

function hint(status: number): string {
  if (status === 401 || status === 403) return " (check FAL_KEY: is it set to a valid key for this account?)";
  return "";
}

// @fal-ai/client's ApiError (or its subclass ValidationError), known by its class's name so that loading the
// client (about 10 ms) waits until a request is really made: an up-to-date render never loads it.
function isApiError(err: unknown): err is ApiError<unknown> {
  for (let p = err instanceof Error ? Object.getPrototypeOf(err) : null; p; p = Object.getPrototypeOf(p))
    if (p.constructor?.name === "ApiError") return true;
  return false;
}
