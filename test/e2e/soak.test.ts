// The fault harness's short form (2 kill -9 trials of 2 shots, a 6-shot fault mix, two renders on one cache),
// as CI runs it; `npm run soak` is the long form. Only outcomes are checked here: how much slower the faults made
// the run is a timing, judged by `npm run soak`, not by the tests.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runSoak } from "../../testkit/soak.js";

test("soak (short): kill -9 never pays twice, faults only fail the rejected shots, concurrent renders share", {
  timeout: 60_000,
}, async () => {
  const result = await runSoak({ short: true });
  for (const t of result.trials) {
    assert.equal(t.exitCode, 0, `trial ${t.trial}: the re-run did not finish`);
    assert.equal(t.corrupt, 0, `trial ${t.trial}: corrupt cache entries`);
    assert.ok(t.filmValid, `trial ${t.trial}: the film is not valid`);
    assert.equal(t.maxSubmitsPerKey, 1, `trial ${t.trial}: a key was submitted ${t.maxSubmitsPerKey} times`);
    assert.equal(t.unconfirmed, false, `trial ${t.trial}: the re-run refused a shot as unconfirmed`);
  }
  assert.equal(result.faultMix.exitCode, 1);
  assert.ok(result.faultMix.named, "the rejected shots are named");
  assert.equal(result.faultMix.completed, result.faultMix.expected);
  assert.deepEqual(result.concurrent, { exitCodes: [0, 0], maxSubmitsPerKey: 1 });
  assert.ok(result.ok);
});
