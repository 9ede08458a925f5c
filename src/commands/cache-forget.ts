// `storyreel cache forget <request-id|key|shot>`: clear a journaled request fal keeps refusing. An unanswered
// submit (no request id) is first looked for in fal's request listing: found, it is journaled, not forgotten.
import { clearJournal, type JournalEntry, readJournal } from "../cache/journal.js";
import type { CachePaths } from "../cache/layout.js";
import { UsageError } from "../errors.js";
import { lookUpBeforeForgetting } from "../pipeline/forget-lookup.js";
import { type FalSettings, falSettings } from "../providers/fal/settings.js";
import { systemClock } from "../util/clock.js";
import { listIfExists } from "../util/fs.js";
import type { CliContext } from "./context.js";

// How long `forget` looks in fal's listing: a few quick looks, since someone is waiting at the terminal.
const LOOKUP_MS = 3000;

// The key of the entry cleared, or undefined when a listed request was journaled instead.
export async function forget(
  id: string | undefined,
  paths: CachePaths,
  falProxy: string | undefined,
  ctx: CliContext,
): Promise<string | undefined> {
  if (!id)
    throw new UsageError(
      "cache forget needs a request id, a cache key (or its first characters) or a shot id",
    );
  const keys = (await listIfExists(`${paths.dir}/journal`))
    .filter((n) => n.endsWith(".json") && !n.startsWith("."))
    .map((n) => n.slice(0, -5));
  const entries = (await Promise.all(keys.map((k) => readJournal(paths, k)))).filter((e) => e !== undefined);
  const matches = entries.filter(
    (e) => e.request_id === id || e.key.startsWith(id) || e.shot === id || e.shot === `still ${id}`,
  );
  // All takes of a shot share its id: a choice that could clear a live request is refused.
  if (matches.length > 1)
    throw new UsageError(
      `"${id}" matches ${matches.length} journaled requests: ${matches.map((e) => `${e.shot} (${e.request_id ?? `key ${e.key.slice(0, 12)}`})`).join(", ")}; give the request id or the key`,
    );
  const entry = matches[0];
  if (!entry)
    throw new UsageError(
      `no journaled request matches "${id}"; journaled: ${entries.map((e) => `${e.shot} (${e.request_id ?? "unconfirmed"})`).join(", ") || "none"}`,
    );
  const settings = falSettings(ctx.env, falProxy);
  if (entry.request_id) await askStatus(entry, entry.request_id, settings, ctx);
  else if (await foundInListing(entry, paths, settings, ctx)) return undefined;
  await clearJournal(paths, entry.key);
  ctx.stdout(`Forgot ${entry.shot}'s journaled request; the next render submits it again (and pays for it).`);
  return entry.key;
}

async function askStatus(entry: JournalEntry, requestId: string, settings: FalSettings, ctx: CliContext) {
  const { makeFalClient } = await import("../providers/fal/client.js");
  const fal = makeFalClient(settings);
  try {
    const status = await fal.queue.status(entry.endpoint, { requestId });
    ctx.stdout(`fal says request ${requestId} (${entry.shot}) is ${status.status}`);
  } catch (err) {
    ctx.stdout(
      `fal did not give a status for ${requestId} (${entry.shot}): ${(err as Error).message.split("\n")[0]}`,
    );
  }
}

// True when fal's listing shows the submit: it is then journaled with its request id and kept.
async function foundInListing(
  entry: JournalEntry,
  paths: CachePaths,
  settings: FalSettings,
  ctx: CliContext,
): Promise<boolean> {
  const { falRequestListing } = await import("../providers/fal/request-listing.js");
  const shot = entry.shot || "the step";
  ctx.stdout(`${shot}: its submit got no answer; looking for it in fal's request listing`);
  const result = await lookUpBeforeForgetting(paths, entry, {
    listing: falRequestListing(settings),
    clock: systemClock,
    withinMs: LOOKUP_MS,
    firstWaitMs: Math.min(1000, Math.max(20, Number(ctx.env.STORYREEL_FAL_POLL_MS ?? 1000) || 1000)),
    stop: ctx.signal,
  });
  if ("found" in result) {
    const requestId = result.found.request_id;
    ctx.stdout(
      `fal has it: request ${requestId}, accepted (and billed) though its answer was lost. Journaled it instead of forgetting it: the next render collects it and pays nothing again. To forget it anyway: storyreel cache forget ${requestId}`,
    );
    return true;
  }
  ctx.stdout(
    "absent" in result
      ? `fal's request listing answered ${result.looks} ${result.looks === 1 ? "look" : "looks"} and does not show it: fal never accepted that submit.`
      : `fal's request listing could not settle whether fal has it (${result.unreadable}); it may already be paid for.`,
  );
  return false;
}
