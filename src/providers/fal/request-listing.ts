// fal's request listing (GET https://api.fal.ai/v1/models/requests/by-endpoint, read 2026-12-06 from
// fal.ai/docs/platform-apis/v1/models/requests/by-endpoint): a key's requests to one endpoint, with the input
// each was sent (`expand=payloads`). Through --fal-proxy it goes through the proxy, as every fal call does.
import type { FalSettings } from "./settings.js";

export const LISTING_URL = "https://api.fal.ai/v1/models/requests/by-endpoint";

export interface ListedRequest {
  request_id: string;
  endpoint_id?: string;
  sent_at?: string;
  ended_at?: string;
  status_code?: number;
  json_input?: unknown;
}

export interface ListingQuery {
  endpoint: string;
  // ISO 8601 times bounding when the requests were sent.
  start: string;
  end?: string;
  payloads?: boolean;
  // Ctrl-C: stop waiting for a page.
  signal?: AbortSignal;
}

// Why a listing could not be read, kept apart from a listing that answered with nothing.
export class ListingError extends Error {
  override name = "ListingError";
  constructor(
    message: string,
    // 401/403/404/405: this key or proxy will not answer however long we try.
    readonly lasting: boolean,
  ) {
    super(message);
  }
}

export interface RequestListing {
  list(query: ListingQuery): Promise<ListedRequest[]>;
}

// Pages of 100 until the listing says it has no more; 50 pages (5,000 requests) at most per look.
const MAX_PAGES = 50;

export function falRequestListing(settings: FalSettings, fetchImpl: typeof fetch = fetch): RequestListing {
  return {
    async list(query) {
      const items: ListedRequest[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const body = await getPage(settings, fetchImpl, query, cursor);
        items.push(...body.items);
        if (body.has_more === false || !body.next_cursor) return items;
        cursor = body.next_cursor;
      }
      throw new ListingError(
        `fal's request listing has more than ${MAX_PAGES * 100} requests in the window`,
        false,
      );
    },
  };
}

interface ListingPage {
  items: ListedRequest[];
  has_more?: boolean;
  next_cursor?: string | null;
}

async function getPage(
  settings: FalSettings,
  fetchImpl: typeof fetch,
  query: ListingQuery,
  cursor: string | undefined,
): Promise<ListingPage> {
  const url = new URL(LISTING_URL);
  url.searchParams.set("endpoint_id", query.endpoint);
  url.searchParams.set("start", query.start);
  if (query.end) url.searchParams.set("end", query.end);
  if (query.payloads) url.searchParams.set("expand", "payloads");
  url.searchParams.set("limit", "100");
  if (cursor) url.searchParams.set("cursor", cursor);
  const headers: Record<string, string> = {
    authorization: `Key ${settings.credentials}`,
    accept: "application/json",
  };
  const target = settings.proxyUrl ?? url.toString();
  if (settings.proxyUrl) headers["x-fal-target-url"] = url.toString();
  let response: Response;
  try {
    const timeout = AbortSignal.timeout(30_000);
    const signal = query.signal ? AbortSignal.any([timeout, query.signal]) : timeout;
    response = await fetchImpl(target, { method: "GET", headers, signal });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    // The proxy's address is safe to show; the key never is (it travels in a header, never in the URL).
    const via = settings.proxyUrl ? ` through the proxy ${settings.proxyUrl}` : "";
    throw new ListingError(`fal's request listing could not be reached${via} (${cause})`, false);
  }
  const text = await response.text().catch(() => "");
  if (!response.ok) {
    const status = response.status;
    // A refusal stays a refusal however long we ask again; only a timeout, a rate limit or a 5xx may pass.
    const lasting = status < 500 && ![408, 425, 429].includes(status);
    const reason =
      status === 401
        ? "the key was refused"
        : status === 403
          ? "this key may not read it"
          : lasting
            ? settings.proxyUrl
              ? "the proxy does not forward it"
              : "fal refused the query"
            : "a passing failure";
    throw new ListingError(`fal's request listing answered HTTP ${status} (${reason})`, lasting);
  }
  let body: ListingPage;
  try {
    body = JSON.parse(text) as ListingPage;
  } catch {
    throw new ListingError("fal's request listing answered something that is not JSON", true);
  }
  if (!body || !Array.isArray(body.items))
    throw new ListingError("fal's request listing answered without a list of items", true);
  return body;
}
