// fal failures sorted into permanent and transient, with fal's own words, built as @fal-ai/client builds them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError, ValidationError } from "@fal-ai/client";
import { ProviderError } from "../../src/errors.js";
import { UnansweredSubmitError } from "../../src/providers/fal/client.js";
import {
  causeOf,
  classifyFalError,
  gotResponse,
  isNotFound,
  NEVER_SENT,
} from "../../src/providers/fal/errors.js";

// As the client's response handler does: a JSON body gives its message (else the status text), 422 a ValidationError.
function falAnswer(status: number, statusText: string, body?: { message?: string; detail?: unknown }) {
  if (!body) return new ApiError({ message: `HTTP ${status}: ${statusText}`, status, requestId: undefined });
  const ErrorType = status === 422 ? ValidationError : ApiError;
  return new ErrorType({ message: body.message || statusText, status, body, requestId: "req-1" });
}

// As undici does: fetch rejects with "fetch failed" and the system error as its cause.
function network(code: string): Error {
  return new TypeError("fetch failed", { cause: Object.assign(new Error(`connect ${code}`), { code }) });
}

test("401 and 403 are permanent, keep fal's message and point at FAL_KEY", () => {
  for (const status of [401, 403]) {
    const e = classifyFalError(
      falAnswer(status, "Unauthorized", { detail: "Invalid API key" }),
      "submitting",
      "r9",
    );
    assert.ok(e instanceof ProviderError);
    assert.equal(e.transient, false, String(status));
    assert.equal(e.requestId, "r9");
    assert.equal(
      e.message,
      `submitting: fal answered ${status}: Invalid API key (check FAL_KEY: is it set to a valid key for this account?)`,
    );
  }
});

test("422 is permanent and lists each of fal's validation errors with its type and location", () => {
  const body = {
    detail: [
      { loc: ["body", "prompt"], msg: "String should have at most 2500 characters", type: "string_too_long" },
      { loc: ["body", "duration"], msg: "Input should be '5' or '10'" },
    ],
  };
  const e = classifyFalError(falAnswer(422, "Unprocessable Entity", body), "submitting");
  assert.equal(e.transient, false);
  assert.equal(e.requestId, undefined);
  assert.equal(
    e.message,
    "submitting: fal answered 422: String should have at most 2500 characters [string_too_long] at body.prompt; " +
      "Input should be '5' or '10' at body.duration",
  );
  const plain = classifyFalError(falAnswer(422, "Unprocessable Entity", { detail: "image too small" }), "x");
  assert.equal(plain.message, "x: fal answered 422: image too small");
  assert.equal(classifyFalError(falAnswer(400, "Bad Request", { message: "bad" }), "x").transient, false);
});

test("429 and 5xx are transient; without a JSON body the client's own message is kept", () => {
  for (const status of [429, 500, 502, 503, 504]) {
    const e = classifyFalError(falAnswer(status, "Busy"), "polling", "r1");
    assert.equal(e.transient, true, String(status));
    assert.equal(e.message, `polling: fal answered ${status}: HTTP ${status}: Busy`);
    assert.equal(e.requestId, "r1");
  }
  assert.equal(
    classifyFalError(falAnswer(429, "Too Many Requests", { message: "rate limited" }), "x").message,
    "x: fal answered 429: rate limited",
  );
});

test("network failures are transient and name the underlying cause", () => {
  const e = classifyFalError(network("ECONNRESET"), "downloading", "r2");
  assert.equal(e.transient, true);
  assert.equal(e.message, "downloading: fetch failed (ECONNRESET)");
  assert.equal(e.requestId, "r2");
  assert.equal(classifyFalError(new Error("socket hang up"), "x").message, "x: socket hang up");
  assert.equal(
    causeOf(new TypeError("fetch failed", { cause: new Error("other side closed") })),
    "other side closed",
  );
  assert.equal(causeOf(new Error("plain")), "plain");
});

test("never sent: a refused connection or failed DNS lookup; fal's answers count as responses too", () => {
  assert.deepEqual([...NEVER_SENT].sort(), ["EAI_AGAIN", "ECONNREFUSED", "ENOTFOUND"]);
  for (const code of NEVER_SENT) assert.equal(gotResponse(network(code)), true, code);
  for (const code of ["ECONNRESET", "ETIMEDOUT", "UND_ERR_SOCKET", "EPIPE"])
    assert.equal(gotResponse(network(code)), false, code);
  assert.equal(gotResponse(falAnswer(500, "Internal Server Error")), true);
  assert.equal(gotResponse(falAnswer(422, "x", { detail: [] })), true);
});

test("an unanswered submit is permanent, is not a response, and says how to resubmit", () => {
  const cut = new UnansweredSubmitError("the submit got no answer (ECONNRESET)", {
    cause: network("ECONNRESET"),
  });
  assert.equal(gotResponse(cut), false);
  const e = classifyFalError(cut, "submitting");
  assert.equal(e.transient, false);
  assert.match(e.message, /^submitting: the submit got no answer \(ECONNRESET\), so fal may be generating/);
  assert.match(e.message, /--resubmit-unconfirmed/);
  assert.equal(e.cause, cut);
});

test("a ProviderError passes through unchanged; 404 is recognised as an expired request", () => {
  const already = new ProviderError("already classified", { transient: false });
  assert.equal(classifyFalError(already, "x"), already);
  assert.equal(isNotFound(falAnswer(404, "Not Found", { detail: "Request not found" })), true);
  assert.equal(isNotFound(falAnswer(410, "Gone")), false);
  assert.equal(isNotFound(new Error("404")), false);
  const cause = falAnswer(500, "x");
  assert.equal(classifyFalError(cause, "x").cause, cause, "the original error is kept as the cause");
});
