// How storyreel waits on fal's queue: over fal's status stream where the server has one, polling where it has
// none or the stream fails. The CLI in process, the real @fal-ai/client, the fake fal server.
import assert from "node:assert/strict";
import path from "node:path";
import { after, describe, test } from "node:test";
import { runInProcess } from "../../testkit/cli.js";
import { FakeFal, type FakeFalOptions } from "../../testkit/fake-fal.js";
import { falEnv, TEST_FAL_KEY } from "../../testkit/fal-env.js";
import { makeProject, shots } from "../helpers/project.js";

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
    // Long enough that each request is seen in progress on a busy machine too.
    const p = await fresh(3, { statusStream: true, latencyMs: 700 });
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

  test("a stream answered with JSON instead of events is refused cleanly, and the shots are polled", async () => {
    const p = await fresh(2, { statusStream: true });
    p.fake.faults.push({ route: "stream", times: 99, action: { status: 200, body: { status: "IN_QUEUE" } } });
    const r = await p.render(["--concurrency", "1"]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(p.fake.count("stream"), 1, "refused once, then only polled");
    assert.ok(p.fake.count("status") >= 2);
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
