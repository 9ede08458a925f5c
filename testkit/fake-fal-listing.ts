// The fake fal's request listing (GET api.fal.ai/v1/models/requests/by-endpoint): a key's requests to one
// endpoint, newest end first, in pages with a cursor. Like fal, it may show a request only once it has ended,
// and only after a lag.
export interface ListedJob {
  id: string;
  endpoint: string;
  input: Record<string, unknown>;
  submittedAt: number;
}

export interface ListingOptions {
  // A request shows this long after it ended (default 0).
  lagMs?: number;
  // Every look answers this status instead (403: a key without the permission; 404: a proxy that drops it).
  status?: number;
  // Page size when the query asks for none (fal's default is 50).
  defaultLimit?: number;
}

export function listingAnswer(
  jobs: Iterable<ListedJob>,
  target: URL,
  now: number,
  endedAt: (job: ListedJob) => number,
  o: ListingOptions,
): { status: number; body: unknown } {
  if (o.status) return { status: o.status, body: { detail: `injected ${o.status}` } };
  const q = target.searchParams;
  const endpoint = q.get("endpoint_id");
  if (!endpoint) return { status: 422, body: { detail: "endpoint_id is required" } };
  const limit = Number(q.get("limit") ?? o.defaultLimit ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    return { status: 422, body: { detail: "limit must be between 1 and 100" } };
  const start = Date.parse(q.get("start") ?? new Date(now - 86_400_000).toISOString());
  const end = q.get("end") ? Date.parse(q.get("end")!) : Number.POSITIVE_INFINITY;
  const payloads = q.get("expand") === "payloads";
  const shown = [...jobs]
    .filter((j) => j.endpoint === endpoint && j.submittedAt >= start && j.submittedAt <= end)
    .filter((j) => endedAt(j) + (o.lagMs ?? 0) <= now)
    .filter((j) => !q.get("request_id") || j.id === q.get("request_id"))
    .sort((a, b) => endedAt(b) - endedAt(a));
  const offset = Number(q.get("cursor") ?? 0);
  const page = shown.slice(offset, offset + limit);
  const more = offset + limit < shown.length;
  return {
    status: 200,
    body: {
      items: page.map((j) => ({
        request_id: j.id,
        endpoint_id: j.endpoint,
        sent_at: new Date(j.submittedAt).toISOString(),
        started_at: new Date(j.submittedAt).toISOString(),
        ended_at: new Date(endedAt(j)).toISOString(),
        status_code: 200,
        duration: (endedAt(j) - j.submittedAt) / 1000,
        ...(payloads && { json_input: j.input }),
      })),
      has_more: more,
      next_cursor: more ? String(offset + limit) : null,
    },
  };
}
