// render.budget belongs to the storyboard, not to one machine: with a remote cache every machine's submits
// count (each is counted in the bucket before it is sent), a storyboard is known by its repository and path,
// and plan shows the budget with whose spending it counts.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, describe, test } from "node:test";
import { stringify } from "yaml";
import { runInProcess, tempDir } from "../testkit/cli.js";
import { FakeFal, TEST_FAL_KEY } from "../testkit/fake-fal.js";
import { falEnv } from "../testkit/fal-env.js";
import { solidPng } from "./helpers/png.js";
import { team } from "./helpers/remote-team.js";
import { shots } from "./helpers/project.js";

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
    assert.match(ra.stderr + rb.stderr, /would pass its render\.budget of \$0\.50: \$0\.35 is spent already/);
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
