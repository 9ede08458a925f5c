// `cache forget` of an unanswered submit looks in fal's request listing first: a request fal has is journaled
// (and put in the ledger) instead of forgotten, so the next render collects it and pays nothing again. Only a
// listing that does not show it, or cannot be read, lets forget clear it as before.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, describe, test } from "node:test";
import { runInProcess } from "../../testkit/cli.js";
import { type FakeFalOptions, FakeFal, TEST_FAL_KEY } from "../../testkit/fake-fal.js";
import { falEnv } from "../../testkit/fal-env.js";
import { makeProject, shots } from "../helpers/project.js";

const fakes: FakeFal[] = [];
after(() => Promise.all(fakes.map((f) => f.stop())));

// A project whose shot s1 was submitted by a killed run: the intent is journaled, fal's answer never came.
async function unanswered(options: FakeFalOptions = {}, { accepted = true } = {}) {
  const fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 100, ...options }).start();
  fakes.push(fake);
  const project = await makeProject({ storyboard: { version: 1, shots: shots(2) } });
  const cache = path.join(project.dir, "cache");
  const run = (args: string[]) => runInProcess(args, { cwd: project.dir, env: falEnv(fake, cache) });
  const planned = JSON.parse((await run(["plan", project.file, "--json"])).stdout);
  const key: string = planned.shots[0].key;
  const input = {
    prompt: "shot number 1",
    start_image_url: "https://example.invalid/a.png",
    duration: "5",
    generate_audio: true,
  };
  const journal = path.join(cache, "journal", `${key}.json`);
  await mkdir(path.dirname(journal), { recursive: true });
  const entry = { version: 1, key, shot: "s1", endpoint: planned.model, state: "submitting", input };
  await writeFile(
    journal,
    JSON.stringify({ ...entry, submitted_at: new Date(Date.now() - 2000).toISOString() }),
  );
  if (accepted) fake.acceptFrom(planned.model, input);
  const ledger = path.join(cache, "spend.jsonl");
  return { ...project, fake, cache, run, journal, ledger, forget: () => run(["cache", "forget", "s1"]) };
}

describe("cache forget looks for an unanswered submit in fal's request listing", { concurrency: 4 }, () => {
  test("fal has it: journaled with its request id and in the ledger, not forgotten; the next render collects it", async () => {
    const p = await unanswered();
    const r = await p.forget();
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /fal has it: request req-0001/);
    assert.match(r.stdout, /next render collects it/);
    assert.match(r.stdout, /storyreel cache forget req-0001/);
    assert.doesNotMatch(r.stdout, /Forgot/);
    const entry = JSON.parse(await readFile(p.journal, "utf8"));
    assert.equal(entry.state, "submitted");
    assert.equal(entry.request_id, "req-0001");
    const records = (await readFile(p.ledger, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(records.length, 1);
    assert.equal(records[0].request_id, "req-0001");
    assert.equal(records[0].found_by_listing, true);
    assert.equal(records[0].cost, 0.7, "priced by the registry as the plan priced it");
    // The listing was asked through the proxy, as every fal call is.
    const looks = p.fake.requests.filter((q) => q.route === "listing");
    assert.ok(looks.length >= 1);
    for (const q of looks) assert.ok(q.headers["x-fal-target-url"], "through FAL_PROXY_URL");

    const render = await p.run(["render", p.file]);
    assert.equal(render.exitCode, 0, render.stderr);
    assert.equal(p.fake.count("submit"), 1, "only s2 was submitted by the render");
    assert.equal(p.fake.jobs.size, 2, "s1 was collected, not paid again");
    assert.equal((await readFile(p.ledger, "utf8")).trim().split("\n").length, 2, "s1 is in the ledger once");
  });

  test("the listing answers and never shows it: said so, and cleared as before", async () => {
    const p = await unanswered({}, { accepted: false });
    const r = await p.forget();
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /does not show it: fal never accepted that submit/);
    assert.match(r.stdout, /Forgot s1's journaled request; the next render submits it again/);
    assert.equal(existsSync(p.journal), false);
    assert.equal(existsSync(p.ledger), false, "nothing was recorded as spent");
  });

  test("a request already in the ledger belongs to another submit: it is not matched", async () => {
    const p = await unanswered();
    const other = { time: new Date().toISOString(), storyboard: "x.yaml", step: "s9", model: "m" };
    await writeFile(p.ledger, `${JSON.stringify({ ...other, request_id: "req-0001", cost: 0.7 })}\n`);
    const r = await p.forget();
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /does not show it/);
    assert.equal(existsSync(p.journal), false);
  });

  test("a listing this key may not read: forget says why, and clears as before", async () => {
    const p = await unanswered({ listing: { status: 403 } });
    const r = await p.forget();
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /could not settle whether fal has it \(.*HTTP 403 \(this key may not read it\)\)/);
    assert.match(
      r.stdout,
      /Forgot s1's journaled request; the next render submits it again \(and pays for it\)/,
    );
    assert.equal(existsSync(p.journal), false);
  });
});
