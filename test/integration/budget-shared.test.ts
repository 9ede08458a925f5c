// render.budget belongs to the storyboard, not to one machine: with a remote cache every machine's submits
// count (each is counted in the bucket before it is sent), a storyboard is known by its repository and path,
// and plan shows the budget with whose spending it counts.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, describe, test } from "node:test";
import { stringify } from "yaml";
import { runInProcess, tempDir, until } from "../../testkit/cli.js";
import { FakeFal, TEST_FAL_KEY } from "../../testkit/fake-fal.js";
import { falEnv } from "../../testkit/fal-env.js";
import { solidPng } from "../helpers/png.js";
import { leaveDeadClaim, team } from "../helpers/remote-team.js";
import { shots } from "../helpers/project.js";
import { canonicalJson, sha256 } from "../../src/util/hash.js";

const stops: (() => Promise<unknown>)[] = [];
after(() => Promise.all(stops.map((s) => s())));

// Audio off: $0.35 a shot.
const board = (budget: number, n = 2) => ({
  version: 1,
  render: { budget },
  shots: shots(n, { audio: false }),
});

describe("a budget the whole team shares", { concurrency: 3 }, () => {
  test("a second machine on the bucket counts what the first spent, and is refused before any submit", async () => {
    const t = await team(stops, 2, 150, {}, board(0.5));
    const a = await t.clone();
    const b = await t.clone();
    const first = await a.render(["--only", "s1", "--allow-missing"]);
    assert.equal(first.exitCode, 0, first.stderr);
    assert.equal(t.fal.jobs.size, 1);
    const plan = JSON.parse((await b.run(["plan", b.file, "--json"])).stdout);
    assert.deepEqual(
      { spent: plan.budget.spent, left: plan.budget.left, refused: plan.budget.refused },
      { spent: 0.35, left: 0.15, refused: true },
    );
    assert.match(plan.budget.counts, /every machine sharing the remote cache/);
    const second = await b.render(["--only", "s2"]);
    assert.equal(second.exitCode, 2, second.stderr);
    assert.match(
      second.stderr,
      /\$0\.35 spent so far, counted across every machine sharing the remote cache s3:\/\//,
    );
    assert.equal(t.fal.jobs.size, 1, "the second machine paid nothing");
  });

  test("two machines rendering at once cannot together pass the budget", async () => {
    const t = await team(stops, 2, 400, {}, board(0.5));
    const a = await t.clone();
    const b = await t.clone();
    // Each alone fits the budget ($0.35 of $0.50); both together would not.
    const [ra, rb] = await Promise.all([
      a.render(["--only", "s1", "--allow-missing"]),
      b.render(["--only", "s2", "--allow-missing"]),
    ]);
    assert.equal(t.fal.jobs.size, 1, `one submit in all:\n${ra.stderr}\n${rb.stderr}`);
    // The one that lost the race is refused at its start or at its submit, depending on who got there first.
    assert.match(
      ra.stderr + rb.stderr,
      /would pass its render\.budget of \$0\.50: \$0\.35 is spent already|has \$0\.15 left \(\$0\.35 spent so far/,
    );
    const records = [...t.s3.objects.keys()].filter((k) => k.includes("/v1/spend/") && k.endsWith(".json"));
    assert.equal(records.length, 1, "the bucket's ledger holds the one submit");
  });
});

test("two machines rendering the same steps at once: each step is counted once, and neither is refused", async () => {
  const t = await team(stops, 2, 400, {}, board(0.7));
  const a = await t.clone();
  const b = await t.clone();
  const [ra, rb] = await Promise.all([a.render(), b.render()]);
  assert.equal(ra.exitCode, 0, ra.stderr);
  assert.equal(rb.exitCode, 0, rb.stderr);
  assert.equal(t.fal.jobs.size, 2, "each step paid once");
  const names = [...t.s3.objects.keys()].filter((k) => k.includes("/v1/spend/"));
  const voided = new Set(names.filter((k) => k.endsWith(".void")).map((k) => k.slice(0, -5)));
  const counted = names.filter((k) => k.endsWith(".json") && !voided.has(k.slice(0, -5)));
  assert.equal(counted.length, 2, `the bucket counts two submits: ${names.join(", ")}`);
  assert.equal(names.filter((k) => k.endsWith(".id")).length, 2, "and knows their request ids");
});

test("a machine that starts while another's submits for the same steps are counted waits for them, and is not refused", async () => {
  const t = await team(stops, 2, 600, {}, board(0.7));
  const a = await t.clone();
  const b = await t.clone();
  const first = a.render();
  const spendRecords = () =>
    [...t.s3.objects.keys()].filter((k) => k.includes("/v1/spend/") && k.endsWith(".json")).length;
  await until(async () => spendRecords() === 2);
  const second = await b.render();
  assert.equal(second.exitCode, 0, second.stderr);
  assert.equal((await first).exitCode, 0);
  assert.equal(t.fal.jobs.size, 2, "each step paid once");
  assert.equal(spendRecords(), 2, "and counted once");
});

test("a step the ledger counts but nobody is making now (its output gone from the bucket) is new spending again", async () => {
  const t = await team(stops, 1, 100, {}, board(0.5, 1));
  const a = await t.clone();
  assert.equal((await a.render()).exitCode, 0);
  for (const name of [...t.s3.objects.keys()]) if (/\/v1\/clips\//.test(name)) t.s3.objects.delete(name);
  for (const readonly of [[], ["--remote-cache-readonly"]]) {
    const b = await t.clone();
    const r = await b.render(readonly);
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, /would spend \$0\.35, and its render\.budget of \$0\.50 has \$0\.15 left/);
  }
  assert.equal(t.fal.count("submit"), 1, "nothing was paid past the budget");
});

test("two unrelated git projects' storyboard.yaml on one cache keep their own budgets; plan shows the budget", async () => {
  const fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 100 }).start();
  stops.push(() => fake.stop());
  const cache = path.join(await tempDir("storyreel-shared-cache-"), "cache");
  const project = async (prompt: string, budget: number) => {
    const dir = await tempDir("storyreel-repo-");
    await mkdir(path.join(dir, "images"));
    await writeFile(path.join(dir, "images", "a.png"), solidPng(480, 320));
    const spec = { ...board(budget, 1), shots: shots(1, { audio: false, prompt }) };
    await writeFile(path.join(dir, "storyboard.yaml"), stringify(spec));
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], {
        cwd: dir,
        stdio: "ignore",
      });
    git("init", "-q");
    git("add", ".");
    git("commit", "-qm", `project ${prompt}`);
    const run = (args: string[]) => runInProcess(args, { cwd: dir, env: falEnv(fake, cache) });
    return { dir, run };
  };
  const a = await project("a lighthouse", 1);
  const b = await project("a harbour", 0.4);
  assert.equal((await a.run(["render", "storyboard.yaml"])).exitCode, 0);
  const plan = await b.run(["plan", "storyboard.yaml", "--json"]);
  const budget = JSON.parse(plan.stdout).budget;
  assert.deepEqual(
    { limit: budget.limit, spent: budget.spent, left: budget.left, refused: budget.refused },
    { limit: 0.4, spent: 0, left: 0.4, refused: false },
  );
  assert.equal(budget.counts, "this machine only");
  const text = (await b.run(["plan", "storyboard.yaml"])).stdout;
  assert.match(
    text,
    /Budget: \$0\.40 \(render\.budget\); \$0\.00 spent, \$0\.40 left \(counted on this machine only/,
  );
  const rendered = await b.run(["render", "storyboard.yaml"]);
  assert.equal(rendered.exitCode, 0, rendered.stderr);
  const again = (await a.run(["plan", "storyboard.yaml"])).stdout;
  assert.match(again, /\$0\.35 spent, \$0\.65 left/, "a's own spending, not b's");
  const spend = await a.run(["spend", "--cache-dir", cache]);
  assert.equal((spend.stdout.match(/storyboard\.yaml \(repo [0-9a-f]{8}\)/g) ?? []).length, 2, spend.stdout);
  const ledger = (await readFile(path.join(cache, "spend.jsonl"), "utf8")).trim().split("\n");
  assert.ok(
    ledger.every((l) => /"repo":"git:[0-9a-f]{40}"/.test(l)),
    "each record names its repository",
  );
});

test("a machine that died mid-submit: the one taking its claim over finds the request in fal's listing, though the bucket's ledger has its id", async () => {
  const t = await team(stops, 1, 150, {}, board(5, 1));
  const a = await t.clone();
  const plan = JSON.parse((await a.run(["plan", a.file, "--json"])).stdout);
  const key = plan.shots[0].key as string;
  const input = { prompt: "shot number 1", start_image_url: "https://example.invalid/a.png", duration: "5" };
  const requestId = t.fal.acceptFrom(plan.model, input);
  const sentAt = new Date(Date.now() - 1000).toISOString();
  // What the dead machine left: its claim mid-submit, and the submit counted in the bucket with fal's id.
  const folder = `team/v1/spend/${sha256(canonicalJson(["", "storyboard.yaml"])).slice(0, 32)}`;
  const spentIn = { bucket: "s3://storyreel/team/", ref: `${folder.slice("team/".length)}/0000000000.json` };
  leaveDeadClaim(t.s3, key, { endpoint: plan.model, input, submitted_at: sentAt, spent_in: spentIn });
  const record = {
    time: sentAt,
    storyboard: "storyboard.yaml",
    repo: "",
    step: "s1",
    key,
    model: plan.model,
  };
  t.s3.put(`${folder}/0000000000.json`, JSON.stringify({ ...record, cost: 0.35, host: "gone" }));
  t.s3.put(`${folder}/0000000000.${requestId}.id`, "{}");
  t.s3.clockOffsetMs += 120_000;
  const r = await a.render(["--timeout", "0.05"]);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`found request ${requestId} in fal's request listing`));
  assert.equal(t.fal.count("submit"), 0, "nothing submitted again");
  const after = JSON.parse((await a.run(["plan", a.file, "--json"])).stdout);
  assert.equal(after.budget.spent, 0.35, "the request counts once, in the bucket");
});

test("a killed run's own claim and journal, fal never had the submit: one allowance, one submit, within --max-cost", async () => {
  const t = await team(stops, 1, 150, {}, { version: 1, shots: shots(1, { audio: false }) });
  const a = await t.clone();
  const plan = JSON.parse((await a.run(["plan", a.file, "--json"])).stdout);
  const key = plan.shots[0].key as string;
  const input = { prompt: "shot number 1", start_image_url: "https://example.invalid/a.png", duration: "5" };
  const sentAt = new Date(Date.now() - 1000).toISOString();
  const entry = {
    version: 1,
    key,
    shot: "s1",
    endpoint: plan.model,
    state: "submitting",
    input,
    submitted_at: sentAt,
  };
  await mkdir(path.join(a.cache, "journal"), { recursive: true });
  await writeFile(path.join(a.cache, "journal", `${key}.json`), JSON.stringify(entry));
  leaveDeadClaim(t.s3, key, { endpoint: plan.model, input, submitted_at: sentAt });
  t.s3.clockOffsetMs += 120_000;
  const r = await a.render(["--max-cost", "0.35", "--timeout", "0.02"]);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(t.fal.count("submit"), 1, "submitted once, after the listing showed fal never had it");
});
