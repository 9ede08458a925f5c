// `storyreel spend [file...]`: what fal has cost, from the spend ledger in the cache, by storyboard, day and model.
import { existsSync } from "node:fs";
import path from "node:path";
import { UsageError } from "../errors.js";
import { storyboardIdentity } from "../util/storyboard-id.js";
import { cachePaths, resolveCacheDir } from "../cache/layout.js";
import { ofStoryboard, readLedger, type SpendRecord } from "../project/spend-ledger.js";
import { dollars, sumCosts } from "../util/money.js";
import { allModes } from "../models/modes.js";
import { videoModels } from "../models/registry.js";
import { parseCommand } from "./args.js";
import type { CliContext } from "./context.js";

export const SPEND_USAGE = `Usage: storyreel spend [storyboard.yaml...] [--cache-dir DIR] [--json]
       storyreel spend --reconcile [--since DATE] [--cache-dir DIR] [--fal-proxy URL] [--json]

Sums the spend ledger (every fal submit, recorded before waiting) by storyboard, day and model; with
storyboards given, only theirs.

--reconcile compares the ledger with fal's request listing (needs FAL_KEY; through --fal-proxy or
$FAL_PROXY_URL when set), for every endpoint in the ledger, the journal and the model registry, from
--since DATE (2026-12-01 or 2026-12-01T09:30:00Z; default the ledger's first record, else 24 hours ago)
to now. It names the requests fal lists that the ledger lacks (other tools using the same key, or a lost
submit) and the records fal does not list (the listing shows a request once it has ended, and may lag a
few minutes). Exit 0 when they agree, 1 when they differ or the listing cannot be read, 2 for bad input.`;

export async function spendCommand(argv: string[], ctx: CliContext): Promise<void> {
  const { values, positionals } = parseCommand(
    "spend",
    argv,
    {
      "cache-dir": { type: "string" },
      json: { type: "boolean" },
      reconcile: { type: "boolean" },
      since: { type: "string" },
      "fal-proxy": { type: "string" },
    },
    SPEND_USAGE,
  );
  if (values.help) return ctx.stdout(SPEND_USAGE);
  const paths = cachePaths(resolveCacheDir(values["cache-dir"] as string | undefined, ctx.env, ctx.cwd));
  if (values.reconcile) {
    if (positionals.length)
      throw new UsageError(
        "spend --reconcile compares the whole ledger with fal's listing; give no storyboards",
      );
    const { spendReconcile } = await import("./spend-reconcile.js");
    return spendReconcile(
      paths,
      {
        since: values.since as string | undefined,
        falProxy: values["fal-proxy"] as string | undefined,
        json: values.json === true,
      },
      ctx,
    );
  }
  if (values.since !== undefined) throw new UsageError("--since goes with --reconcile");
  for (const f of positionals)
    if (!existsSync(path.resolve(ctx.cwd, f))) throw new UsageError(`file not found: ${f}`);
  const only = positionals.map((f) => storyboardIdentity(path.resolve(ctx.cwd, f)));
  const records = (await readLedger(paths)).filter(
    (r) => only.length === 0 || only.some((id) => ofStoryboard(r, id)),
  );
  // Two unrelated projects may both have a storyboard.yaml: those are told apart by their repository.
  const repos = new Map<string, Set<string>>();
  for (const r of records) repos.set(r.storyboard, (repos.get(r.storyboard) ?? new Set()).add(r.repo ?? ""));
  const named = (r: SpendRecord) =>
    (repos.get(r.storyboard)?.size ?? 0) > 1 && r.repo
      ? `${r.storyboard} (${shortRepo(r.repo)})`
      : r.storyboard;
  const groups = new Map<
    string,
    { storyboard: string; day: string; model: string; submits: number; costs: number[] }
  >();
  for (const r of records) {
    const storyboard = named(r);
    const day = r.time.slice(0, 10);
    const id = `${storyboard}\u0000${day}\u0000${r.model}`;
    const g = groups.get(id) ?? { storyboard, day, model: r.model, submits: 0, costs: [] };
    g.submits += 1;
    g.costs.push(r.cost);
    groups.set(id, g);
  }
  const rows = [...groups.values()]
    .sort(
      (a, b) =>
        a.storyboard.localeCompare(b.storyboard) ||
        a.day.localeCompare(b.day) ||
        a.model.localeCompare(b.model),
    )
    .map((g) => ({
      storyboard: g.storyboard,
      day: g.day,
      model: g.model,
      submits: g.submits,
      cost: sumCosts(g.costs),
    }));
  const total = sumCosts(records.map((r) => r.cost));
  const models = byModel(records);
  if (values.json)
    return ctx.stdout(JSON.stringify({ rows, models, total, submits: records.length }, null, 2));
  if (rows.length === 0) return ctx.stdout(`No fal spending recorded in ${paths.dir}.`);
  const table = [
    ["storyboard", "day", "model", "submits", "cost"],
    ...rows.map((r) => [r.storyboard, r.day, r.model, String(r.submits), dollars(r.cost)]),
  ];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  for (const r of table)
    ctx.stdout(
      r
        .map((cell, c) => (c === 4 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
        .join("  ")
        .trimEnd(),
    );
  if (models.length > 1)
    ctx.stdout(`By model: ${models.map((m) => `${m.name} ${dollars(m.cost)} (${m.submits})`).join(", ")}`);
  ctx.stdout(
    `Total: ${dollars(total)} over ${records.length} ${records.length === 1 ? "submit" : "submits"}`,
  );
  ctx.stdout(
    `(This machine's ledger, ${paths.dir}. With a remote cache, \`storyreel plan\` shows a storyboard's budget as every machine's submits count it.)`,
  );
}

// "git:9f3c…" → "repo 9f3c0a1b", "dir:/home/a/film" → "/home/a/film".
function shortRepo(repo: string): string {
  if (repo.startsWith("git:")) return `repo ${repo.slice(4, 12)}`;
  return repo.replace(/^(dir|origin):/, "");
}

// Totals per endpoint, named by the video family that uses it ("veo-3.1 image-to-video") where one does.
function byModel(records: SpendRecord[]) {
  const names = new Map<string, string>();
  for (const m of allModes(videoModels().families))
    if (!names.has(m.endpoint)) names.set(m.endpoint, `${m.family} ${m.mode}`);
  const groups = new Map<string, { submits: number; costs: number[] }>();
  for (const r of records) {
    const g = groups.get(r.model) ?? { submits: 0, costs: [] };
    g.submits += 1;
    g.costs.push(r.cost);
    groups.set(r.model, g);
  }
  return [...groups.entries()]
    .map(([model, g]) => ({
      model,
      name: names.get(model) ?? model,
      submits: g.submits,
      cost: sumCosts(g.costs),
    }))
    .sort((a, b) => b.cost - a.cost || a.model.localeCompare(b.model));
}
