// A submit with no answer is found in fal's request listing instead of asking the user to gamble: the render
// collects it (nothing paid twice, nothing refused), and only a listing that cannot be read falls back to
// --resubmit-unconfirmed. The real @fal-ai/client and the listing go through the fake fal's proxy protocol.
import assert from "node:assert/strict";
import { appendFile, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { stringify } from "yaml";
import path from "node:path";
import { after, describe, test } from "node:test";
import { runInProcess } from "../../testkit/cli.js";
import { type FakeFalOptions, FakeFal, TEST_FAL_KEY } from "../../testkit/fake-fal.js";
import { falEnv } from "../../testkit/fal-env.js";
import { probe } from "../../testkit/ffprobe.js";
import { makeProject, shots } from "../helpers/project.js";
import { mountTmpfs } from "../helpers/tmpfs.js";

const fakes: FakeFal[] = [];
after(() => Promise.all(fakes.map((f) => f.stop())));

async function fresh(n: number, options: FakeFalOptions = {}) {
  const fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 200, ...options }).start();
  fakes.push(fake);
  const project = await makeProject({ storyboard: { version: 1, shots: shots(n) } });
  const cache = path.join(project.dir, "cache");
  const run = (args: string[]) => runInProcess(args, { cwd: project.dir, env: falEnv(fake, cache) });
  return {
    ...project,
    fake,
    cache,
    run,
    render: (args: string[] = []) => run(["render", project.file, ...args]),
  };
}

describe("unanswered submits are found in fal's request listing", { concurrency: 4 }, () => {
  test("fal bills 2 of 6 submits and drops the answers: the film is whole, one submit per input, and the found requests are named", async () => {
    const p = await fresh(6, { listing: { lagMs: 300 } });
    p.fake.faults.push({ route: "submit", times: 2, action: "accept-reset" });
    const r = await p.render();
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(p.fake.count("submit"), 6, "no submit was sent twice");
    assert.deepEqual([...p.fake.submitsByPrompt().values()], [1, 1, 1, 1, 1, 1]);
    const found = /Found by listing fal's requests \(.*\): (.*)\./.exec(r.stderr);
    assert.ok(found, r.stderr);
    assert.equal(found[1]!.split(", ").length, 2, found[1]);
    assert.match(found[1]!, /^s\d \(req-\d{4}\), s\d \(req-\d{4}\)$/);
    const film = await probe(path.join(p.dir, "out", "storyboard.mp4"));
    assert.ok(Math.abs(film.duration - 30) < 0.2, `the film has all six shots (${film.duration} s)`);
    // The listing was asked through the proxy, as every fal call is, with the payloads to match on.
    const looks = p.fake.requests.filter((q) => q.route === "listing");
    assert.ok(looks.length >= 2);
    for (const q of looks) {
      assert.ok(q.headers["x-fal-target-url"], "through --fal-proxy");
      assert.equal(new URL(q.target).searchParams.get("expand"), "payloads");
    }
    const ledger = (await readFile(path.join(p.cache, "spend.jsonl"), "utf8")).trim().split("\n");
    assert.equal(ledger.length, 6, "every billed request is in the spend ledger once");
    assert.equal(ledger.filter((l) => l.includes('"found_by_listing":true')).length, 2);
  });

  test("a listing this key may not read: the shot is refused as before, saying why; consent resubmits", async () => {
    const p = await fresh(1, { listing: { status: 403 } });
    p.fake.faults.push({ route: "submit", times: 1, action: "accept-reset" });
    const r = await p.render();
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(r.stderr, /request listing answered HTTP 403 \(this key may not read it\)/);
    assert.match(r.stderr, /--resubmit-unconfirmed/);
    assert.equal(p.fake.count("submit"), 1);
    const again = await p.render();
    assert.equal(again.exitCode, 1);
    assert.equal(p.fake.count("submit"), 1, "a re-run pays nothing without consent");
    const consented = await p.render(["--resubmit-unconfirmed"]);
    assert.equal(consented.exitCode, 0, consented.stderr);
    assert.equal(p.fake.count("submit"), 2);
  });

  test("a look that fails proves nothing: a never-accepted submit is not sent again", async () => {
    const p = await fresh(1);
    p.fake.faults.push({ route: "submit", times: 1, action: "reset" });
    p.fake.faults.push({ route: "listing", times: 1, action: { status: 500 } });
    const r = await p.render(["--timeout", "0.01"]);
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(r.stderr, /HTTP 500 .*so its absence proves nothing/);
    assert.equal(p.fake.count("submit"), 1);
  });

  test("a killed run's unanswered submit: plan says 'looking up' (in flight), the render collects it", async () => {
    const p = await fresh(2);
    const planned = JSON.parse((await p.run(["plan", p.file, "--json", "--cache-dir", p.cache])).stdout);
    const shot = planned.shots[0];
    // What a run killed right after the bytes left leaves: the intent, and fal's request with that input.
    const input = {
      prompt: "shot number 1",
      start_image_url: "https://example.invalid/a.png",
      duration: "5",
    };
    const sentAt = new Date(Date.now() - 2000).toISOString();
    await mkdir(path.join(p.cache, "journal"), { recursive: true });
    const entry = { version: 1, key: shot.key, shot: "s1", endpoint: planned.model, state: "submitting" };
    await writeFile(
      path.join(p.cache, "journal", `${shot.key}.json`),
      JSON.stringify({ ...entry, input, submitted_at: sentAt }),
    );
    p.fake.acceptFrom(planned.model, input);
    const plan = JSON.parse((await p.run(["plan", p.file, "--json", "--cache-dir", p.cache])).stdout);
    assert.equal(plan.shots[0].status, "looking up");
    assert.equal(plan.cost.in_flight, 0.7);
    assert.equal(plan.cost.new, 0.7, "only the other shot is new spending");
    const text = (await p.run(["plan", p.file, "--cache-dir", p.cache])).stdout;
    assert.match(text, /s1\s+looking up .*fal's request listing/);
    const r = await p.render();
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /found request req-0001 in fal's request listing/);
    assert.equal(p.fake.jobs.size, 2, "s1 was not submitted again");
  });
});

test("a full disk between fal's answer and the journal write: the failure says what was paid, and the next run collects it", async (t) => {
  const p = await fresh(1);
  const tmpfs = await mountTmpfs(p.cache, "2m");
  if (tmpfs.skip) return t.skip(tmpfs.skip);
  try {
    p.fake.faults.push({ route: "submit", times: 1, action: { delayMs: 800 } });
    const running = p.render();
    await p.fake.until(() => p.fake.count("submit") === 1);
    // The disk fills while fal holds its answer: the request id cannot be journaled, nor the clip stored.
    const filler = path.join(p.cache, "filler");
    for (let full = false; !full; )
      await appendFile(filler, Buffer.alloc(4096)).catch(() => {
        full = true;
      });
    const r = await running;
    assert.equal(r.exitCode, 1, r.stderr);
    const paid = /could not record request (req-\d+) in the journal/.exec(r.stderr)?.[1];
    assert.ok(paid, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`cannot write to .*no space left.*fal request ${paid} was paid for: \\$0\\.70`),
    );
    await rm(filler);
    const again = await p.render();
    assert.equal(again.exitCode, 0, again.stderr);
    assert.equal(p.fake.count("submit"), 1, "nothing was paid twice");
    assert.match(again.stderr, new RegExp(`found request ${paid} in fal's request listing`));
    const ledger = await readFile(path.join(p.cache, "spend.jsonl"), "utf8");
    assert.equal(ledger.trim().split("\n").length, 1, "the request is in the ledger once");
  } finally {
    tmpfs.unmount();
  }
});

describe("the look-up never spends what the plan did not price, nor takes another step's request", {
  concurrency: 3,
}, () => {
  const killedIntent = async (p: Awaited<ReturnType<typeof fresh>>, post: boolean) => {
    const planned = JSON.parse((await p.run(["plan", p.file, "--json", "--cache-dir", p.cache])).stdout);
    const key = planned.shots[0].key as string;
    const input = {
      prompt: "shot number 1",
      start_image_url: "https://example.invalid/a.png",
      duration: "5",
    };
    await mkdir(path.join(p.cache, "journal"), { recursive: true });
    const entry = { version: 1, key, shot: "s1", endpoint: planned.model, state: "submitting", input };
    await writeFile(
      path.join(p.cache, "journal", `${key}.json`),
      JSON.stringify({ ...entry, submitted_at: new Date(Date.now() - 1000).toISOString() }),
    );
    if (post) p.fake.acceptFrom(planned.model, input);
    return key;
  };

  test("fal never had it: the submit it then needs is held to --max-cost", async () => {
    const p = await fresh(1);
    await killedIntent(p, false);
    const r = await p.render(["--max-cost", "0", "--timeout", "0.01"]);
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(r.stderr, /would cost \$0\.70 more than --max-cost allows/);
    assert.equal(p.fake.jobs.size, 0, "nothing was paid");
  });

  test("the ledger already holds the request for this very step (a full disk ate the journal write): it is collected", async () => {
    const p = await fresh(1);
    const key = await killedIntent(p, true);
    const record = {
      time: new Date().toISOString(),
      storyboard: "storyboard.yaml",
      step: "s1",
      model: "m",
      key,
    };
    await writeFile(
      path.join(p.cache, "spend.jsonl"),
      `${JSON.stringify({ ...record, request_id: "req-0001", cost: 0.7 })}\n`,
    );
    const r = await p.render();
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(p.fake.jobs.size, 1, "not paid twice");
    assert.match(r.stderr, /found request req-0001/);
  });

  test("two takes send the same input: the take whose answer was lost finds its own request, not its sibling's", async () => {
    const p = await fresh(1, { listing: { lagMs: 100 } });
    await writeFile(p.file, stringify({ version: 1, shots: shots(1, { takes: 2 }) }));
    // The second take's answer is lost: the first take's request (same input) is listed well before its own.
    const second = () => p.fake.count("submit") === 2;
    p.fake.faults.push({ route: "submit", times: 1, action: "accept-reset", when: second });
    const r = await p.render(["--concurrency", "1"]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(p.fake.jobs.size, 2, "two takes, two requests, each paid once");
    const sidecars = (await readdir(path.join(p.cache, "clips"))).filter((f) => f.endsWith(".json"));
    const ids = await Promise.all(
      sidecars.map(
        async (f) => JSON.parse(await readFile(path.join(p.cache, "clips", f), "utf8")).request_id,
      ),
    );
    assert.equal(new Set(ids).size, 2, `each take has its own request: ${ids}`);
  });
});
