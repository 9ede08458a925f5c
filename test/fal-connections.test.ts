// How storyreel talks to fal's queue: status over fal's status stream where the server has one (polling where it
// has none, or the stream fails), and submits on pooled connections, sent again on a fresh one only when a
// reused connection was reset before any answer. The CLI in process, the real @fal-ai/client, the fake fal.
import assert from "node:assert/strict";
import path from "node:path";
import { after, describe, test } from "node:test";
import { readdir } from "node:fs/promises";
import { runInProcess } from "../testkit/cli.js";
import { FakeFal, type FakeFalOptions } from "../testkit/fake-fal.js";
import { falEnv, TEST_FAL_KEY } from "../testkit/fal-env.js";
import { makeProject, shots } from "./helpers/project.js";

const fakes: FakeFal[] = [];
after(() => Promise.all(fakes.map((f) => f.stop())));

async function fresh(count: number, options: FakeFalOptions = {}) {
  const fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 250, ...options }).start();
  fakes.push(fake);
  const storyboard = { version: 1, shots: shots(count).map((s, i) => ({ ...s, prompt: `distinct ${i}` })) };
  const project = await makeProject({ storyboard });
  const cache = path.join(project.dir, "cache");
  return {
    fake,
    cache,
    render: (args: string[] = []) =>
      runInProcess(["render", project.file, "--provider", "fal", ...args], {
        cwd: project.dir,
        env: falEnv(fake, cache),
      }),
  };
}

describe("fal's status stream", { concurrency: 4 }, () => {
  test("a server with the stream: each request is watched on it, and never polled", async () => {
    const p = await fresh(3, { statusStream: true });
    const r = await p.render(["--json"]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(p.fake.count("stream"), 3);
    assert.equal(p.fake.count("status"), 0);
    assert.equal(p.fake.count("result"), 3);
    const states = r.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === "shot")
      .map((e) => e.state);
    assert.ok(states.includes("in_progress"), "the stream's statuses reach the progress display");
  });

  test("a server without it is asked once, then polled", async () => {
    const p = await fresh(3);
    const r = await p.render(["--concurrency", "1"]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(p.fake.count("stream"), 1, "after the first refusal the run only polls");
    assert.ok(p.fake.count("status") >= 3);
    assert.equal(p.fake.count("submit"), 3);
  });

  test("a stream that sends nothing hands the wait to polling", async () => {
    const p = await fresh(2, { statusStream: true });
    p.fake.faults.push({ route: "stream", times: 99, action: { delayMs: 30_000 } });
    const r = await p.render();
    assert.equal(r.exitCode, 0, r.stderr);
    assert.ok(p.fake.count("status") >= 2, "the shots were polled");
    assert.equal(p.fake.count("submit"), 2);
  });

  test("a stream that fails for one request does not fail its shot", async () => {
    const p = await fresh(2, { statusStream: true });
    p.fake.faults.push({ route: "stream", times: 1, action: { status: 500 } });
    const r = await p.render(["--concurrency", "1"]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(p.fake.count("submit"), 2);
    assert.ok(p.fake.count("status") >= 1);
  });
});

describe("submits and connections", { concurrency: 4 }, () => {
  test("a submit reset on a reused connection before any answer is sent again on a fresh one, once", async () => {
    const p = await fresh(3);
    p.fake.faults.push({
      route: "submit",
      times: 1,
      action: "reset",
      when: (q) => q.earlierOnConnection > 0,
    });
    const r = await p.render(["--concurrency", "1"]);
    assert.equal(r.exitCode, 0, r.stderr);
    const submits = p.fake.requests.filter((q) => q.route === "submit");
    assert.equal(submits.length, 4, "three submits and one sent again");
    assert.equal(p.fake.jobs.size, 3, "each shot exists once at fal");
    const reset = submits.findIndex((q) => q.earlierOnConnection > 0);
    assert.equal(submits[reset + 1]!.earlierOnConnection, 0, "sent again on a fresh connection");
    assert.doesNotMatch(r.stderr, /unconfirmed/);
    assert.deepEqual(await readdir(path.join(p.cache, "journal")).catch(() => []), []);
  });

  test("a reset on a fresh connection stays unconfirmed: not sent again", async () => {
    const p = await fresh(1);
    p.fake.faults.push({ route: "submit", times: 9, action: "reset" });
    const r = await p.render();
    assert.equal(r.exitCode, 1, r.stderr);
    assert.equal(p.fake.count("submit"), 1);
    assert.match(r.stderr, /--resubmit-unconfirmed/);
  });
});
