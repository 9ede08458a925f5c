// `storyreel spend --reconcile [--since DATE]`: the spend ledger against fal's request listing, both ways.
// Exit 0 when they agree, 1 when they differ or the listing cannot be read, 2 for bad input.
import type { CachePaths } from "../cache/layout.js";
import { RunError, UsageError } from "../errors.js";
import { type Reconciliation, reconcile } from "../pipeline/reconcile.js";
import { falRequestListing, ListingError } from "../providers/fal/request-listing.js";
import { falSettings } from "../providers/fal/settings.js";
import { dollars, sumCosts } from "../util/money.js";
import { count } from "../util/words.js";
import type { CliContext } from "./context.js";

export interface ReconcileOptions {
  since?: string;
  falProxy?: string;
  json?: boolean;
}

export async function spendReconcile(paths: CachePaths, o: ReconcileOptions, ctx: CliContext): Promise<void> {
  const now = Date.now();
  const since = o.since === undefined ? undefined : parseSince(o.since, now);
  const settings = falSettings(ctx.env, o.falProxy);
  let result: Reconciliation;
  try {
    result = await reconcile(paths, falRequestListing(settings), {
      ...(since !== undefined && { since }),
      now,
    });
  } catch (err) {
    if (!(err instanceof ListingError)) throw err;
    throw new RunError(`cannot reconcile the spend ledger: ${err.message}`);
  }
  if (o.json) ctx.stdout(JSON.stringify(result, null, 2));
  else print(result, ctx);
  const differ = result.fal_only.length + result.ledger_only.length;
  if (differ > 0)
    throw new RunError(
      `the spend ledger and fal's request listing differ: ${count(result.fal_only.length, "request")} only fal lists, ${count(result.ledger_only.length, "record")} only the ledger has`,
    );
}

// An ISO date (2026-12-01, midnight UTC) or date and time (2026-12-01T09:30:00Z), not in the future.
function parseSince(text: string, now: number): number {
  const time = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)
    ? Date.parse(text)
    : Number.NaN;
  if (Number.isNaN(time))
    throw new UsageError(
      `--since must be an ISO date or date and time, like 2026-12-01 or 2026-12-01T09:30:00Z (got "${text}")`,
    );
  if (time > now) throw new UsageError(`--since ${text} is in the future`);
  return time;
}

function print(r: Reconciliation, ctx: CliContext): void {
  ctx.stdout(
    `Spend ledger against fal's request listing, ${r.since} to ${r.until} (${count(r.endpoints.length, "endpoint")}): ${r.matched} matched.`,
  );
  const falCosts = r.fal_only.flatMap((f) => (f.cost === undefined ? [] : [f.cost]));
  const unpriced = r.fal_only.length - falCosts.length;
  ctx.stdout("");
  ctx.stdout(
    `Only in fal's listing: ${count(r.fal_only.length, "request")}${r.fal_only.length ? `, ${dollars(sumCosts(falCosts))}${unpriced ? ` (and ${unpriced} the model registry cannot price)` : ""}` : ""}`,
  );
  for (const f of r.fal_only)
    ctx.stdout(
      `  ${f.request_id}  ${f.endpoint}  ${f.time}  ${f.cost === undefined ? "?" : dollars(f.cost)}`,
    );
  ctx.stdout("");
  ctx.stdout(
    `Only in the ledger: ${count(r.ledger_only.length, "record")}${r.ledger_only.length ? `, ${dollars(sumCosts(r.ledger_only.map((l) => l.cost)))}` : ""}`,
  );
  for (const l of r.ledger_only)
    ctx.stdout(
      `  ${l.request_id}  ${l.endpoint}  ${l.time}  ${l.storyboard || "(storyboard unknown)"}  ${l.step}  ${dollars(l.cost)}${l.journaled ? "  (still journaled: not collected yet)" : ""}`,
    );
  ctx.stdout("");
  ctx.stdout(
    r.fal_only.length + r.ledger_only.length === 0
      ? "They agree."
      : "Requests fal lists that the ledger lacks may come from other tools using the same FAL_KEY. fal lists a request once it has ended, and its listing may lag a few minutes, so a record of the last minutes may be missing from it.",
  );
}
