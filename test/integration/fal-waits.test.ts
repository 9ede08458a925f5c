// Waiting on fal: without a status stream, storyreel polls at fal's pace (fast at first, never slower than
// fal.subscribe's 500 ms), and `doctor` says which way the last render waited.
import assert from "node:assert/strict";
import path from "node:path";
import { after, test } from "node:test";
import { runInProcess } from "../../testkit/cli.js";
import { FakeFal } from "../../testkit/fake-fal.js";
import { falEnv, TEST_FAL_KEY } from "../../testkit/fal-env.js";
import { pollDelay, pollWait } from "../../src/providers/fal/queue.js";
import { makeProject, shots } from "../helpers/project.js";

const fakes: FakeFal[] = [];
after(() => Promise.all(fakes.map((f) => f.stop())));

test("polling at fal's pace: every 100 ms for 2 s, then slower, never past fal.subscribe's 500 ms; a fixed interval wins", () => {
  assert.deepEqual(
    [0, 1999, 2000, 4000, 6000, 60_000].map((t) => pollDelay(0, t)),
    [100, 100, 100, 300, 500, 500],
  );
  assert.equal(pollDelay(50, 10_000), 50);
});

test("polls keep to a grid from the submit, so late answers do not push the next poll later", () => {
  // A poll answered 7 ms late still leaves the next one on the 100 ms grid; after 2 s, a step after each answer.
  assert.deepEqual(
    [0, 7, 1407, 1999, 2500].map((t) => pollWait(0, t)),
    [100, 93, 93, 1, 150],
  );
  assert.deepEqual(
    [0, 45, 51].map((t) => pollWait(50, t)),
    [50, 5, 49],
  );
});

for (const stream of [true, false])
  test(`doctor names how the last render waited: ${stream ? "the status stream" : "polling"}`, async () => {
    const fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 300, statusStream: stream }).start();
    fakes.push(fake);
    const p = await makeProject({ storyboard: { version: 1, shots: shots(2) } });
    const cache = path.join(p.dir, "cache");
    // No STORYREEL_FAL_POLL_MS: the default pace.
    const env = { ...falEnv(fake, cache), STORYREEL_FAL_POLL_MS: undefined };
    const before = await runInProcess(["doctor", "--cache-dir", cache], { cwd: p.dir, env });
    assert.match(before.stdout, /fal wait {2}no fal render recorded in this cache yet/);
    const render = await runInProcess(["render", p.file], { cwd: p.dir, env });
    assert.equal(render.exitCode, 0, render.stderr);
    const doctor = await runInProcess(["doctor", "--cache-dir", cache], { cwd: p.dir, env });
    assert.match(
      doctor.stdout,
      stream
        ? /fal wait {2}the last render \(.+\) waited on fal's status stream \(all 2 requests\)/
        : /fal wait {2}the last render \(.+\) waited on polling \(all 2 requests: no status stream came through/,
    );
    if (!stream) {
      // 300 ms at fal: polled every 100 ms, so a handful of status requests each, not one a second.
      const polls = fake.requests.filter((r) => r.route === "status").length;
      assert.ok(polls >= 4 && polls <= 20, `${polls} status requests`);
    }
  });
