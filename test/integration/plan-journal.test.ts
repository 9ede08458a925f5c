// After a double Ctrl-C, requests fal already has are collected, not paid again: plan shows them and prices
// only what will be newly submitted, and --max-cost checks that.
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { ProviderError, RunError } from "../../src/errors.js";
import { findMediaTools, planStoryboards, renderPlans } from "../../src/index.js";
import { runInProcess } from "../../testkit/cli.js";
import { makeProject, shots } from "../helpers/project.js";

test("journaled shots are 'collect' or 'looking up' in the plan, and only new submits are priced", async () => {
  const p = await makeProject({
    storyboard: { version: 1, shots: shots(4).map((s, i) => ({ ...s, prompt: `shot ${i}` })) },
  });
  const cache = path.join(p.dir, "cache");
  const before = await planStoryboards({ files: [p.file], cwd: p.dir, provider: "fal", cacheDir: cache });
  const [a, b] = before.films[0]!.plan.shots;
  await mkdir(path.join(cache, "journal"), { recursive: true });
  const journal = (key: string, state: string, extra = {}) =>
    writeFile(
      path.join(cache, "journal", `${key}.json`),
      JSON.stringify({ version: 1, key, state, ...extra }),
    );
  await journal(a!.key, "submitted", { request_id: "req-1" });
  await journal(b!.key, "submitting");

  const r = await runInProcess(["plan", p.file, "--cache-dir", cache, "--json"], { cwd: p.dir });
  assert.equal(r.exitCode, 0, r.stderr);
  const plan = JSON.parse(r.stdout);
  assert.deepEqual(
    plan.shots.map((s: { status: string }) => s.status),
    ["collect", "looking up", "generate", "generate"],
  );
  // An unanswered submit is looked up, not paid again: it is priced as in flight.
  assert.deepEqual(plan.cost, { currency: "USD", film: 2.8, new: 1.4, cached: 0, in_flight: 1.4 });
  const text = await runInProcess(["plan", p.file, "--cache-dir", cache], { cwd: p.dir });
  assert.match(
    text.stdout,
    /s1\s+collect\s+kling-2\.6-pro image\s+5s\s+on\s+\(\$0\.70 paid\)\s+submitted by an earlier run/,
  );
  assert.match(text.stdout, /s2\s+looking up .*looks for it in fal's request listing/);
  assert.match(text.stdout, /1 already submitted \(being collected\), 1 looking up/);

  // --max-cost 1.50 covers the two new shots: the render goes ahead (here the provider then fails each shot).
  const planned = await planStoryboards({ files: [p.file], cwd: p.dir, provider: "fal", cacheDir: cache });
  let asked = 0;
  const provider = async () => ({
    id: "fal" as const,
    generate: async () => {
      asked += 1;
      throw new ProviderError("stub", { transient: false });
    },
    still: async () => {
      throw new ProviderError("no stills here", { transient: false });
    },
    sound: async () => {
      throw new ProviderError("no sounds here", { transient: false });
    },
    pass: async () => {
      throw new ProviderError("no passes here", { transient: false });
    },
  });
  const deps = { tools: findMediaTools(process.env), provider };
  await assert.rejects(renderPlans(planned, { maxCost: 1.5 }, deps), RunError);
  assert.equal(asked, 4, "the collected and the looked-up shot go to the provider too");
  // With --resubmit-unconfirmed, the shot being looked up is priced again (the worst case).
  const again = await planStoryboards({
    files: [p.file],
    cwd: p.dir,
    provider: "fal",
    cacheDir: cache,
    resubmitUnconfirmed: true,
  });
  assert.equal(again.films[0]!.plan.cost.new, 2.1);
});

test("a collected request fal no longer knows is submitted again only within --max-cost", async () => {
  const { FakeFal, TEST_FAL_KEY } = await import("../../testkit/fake-fal.js");
  const { falEnv } = await import("../../testkit/fal-env.js");
  const fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 50 }).start();
  try {
    const p = await makeProject({ storyboard: { version: 1, shots: shots(1) } });
    const cache = path.join(p.dir, "cache");
    const planned = await planStoryboards({ files: [p.file], cwd: p.dir, provider: "fal", cacheDir: cache });
    const key = planned.films[0]!.plan.shots[0]!.key;
    await mkdir(path.join(cache, "journal"), { recursive: true });
    const entry = {
      version: 1,
      key,
      shot: "s1",
      endpoint: "x",
      state: "submitted",
      request_id: "gone",
      input: {},
    };
    await writeFile(path.join(cache, "journal", `${key}.json`), JSON.stringify(entry));
    const refused = await runInProcess(["render", p.file, "--max-cost", "0"], {
      cwd: p.dir,
      env: falEnv(fake, cache),
    });
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stderr, /submitting it again would cost \$0\.70 more than --max-cost allows/);
    assert.equal(fake.count("submit"), 0, "nothing was paid for beyond the limit");
    const allowed = await runInProcess(["render", p.file], { cwd: p.dir, env: falEnv(fake, cache) });
    assert.equal(allowed.exitCode, 0, allowed.stderr);
    assert.equal(fake.count("submit"), 1);
  } finally {
    await fake.stop();
  }
});

test("a journal entry cut short by a power cut is an unconfirmed submit: looked up, never silently paid again", async () => {
  const p = await makeProject({ storyboard: { version: 1, shots: shots(1) } });
  const cache = path.join(p.dir, "cache");
  const planned = await planStoryboards({ files: [p.file], cwd: p.dir, provider: "fal", cacheDir: cache });
  const key = planned.films[0]!.plan.shots[0]!.key;
  await mkdir(path.join(cache, "journal"), { recursive: true });
  await writeFile(path.join(cache, "journal", `${key}.json`), "");
  const again = await planStoryboards({ files: [p.file], cwd: p.dir, provider: "fal", cacheDir: cache });
  assert.equal(again.films[0]!.plan.shots[0]!.status, "looking up");
  assert.equal(again.films[0]!.plan.cost.new, 0);
});
