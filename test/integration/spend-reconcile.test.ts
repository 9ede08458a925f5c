// `spend --reconcile` compares the spend ledger with fal's request listing (through the fake fal's proxy) and
// names both kinds of difference: a request fal has that the ledger lacks, and a record fal does not list.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, describe, test } from "node:test";
import { runInProcess } from "../../testkit/cli.js";
import { type FakeFalOptions, FakeFal, TEST_FAL_KEY } from "../../testkit/fake-fal.js";
import { falEnv } from "../../testkit/fal-env.js";
import { makeProject, shots } from "../helpers/project.js";

const fakes: FakeFal[] = [];
after(() => Promise.all(fakes.map((f) => f.stop())));

const KLING = "fal-ai/kling-video/v2.6/pro/image-to-video";

// A project whose two shots were rendered through the fake fal: two requests, two ledger records.
async function rendered(options: FakeFalOptions = {}) {
  const fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 100, ...options }).start();
  fakes.push(fake);
  const project = await makeProject({ storyboard: { version: 1, shots: shots(2) } });
  const cache = path.join(project.dir, "cache");
  const run = (args: string[], env: Record<string, string | undefined> = {}) =>
    runInProcess(args, { cwd: project.dir, env: falEnv(fake, cache, env) });
  const r = await run(["render", project.file]);
  assert.equal(r.exitCode, 0, r.stderr);
  const ledger = path.join(cache, "spend.jsonl");
  const lines = (await readFile(ledger, "utf8")).trim().split("\n");
  assert.equal(lines.length, 2);
  return { ...project, fake, cache, run, ledger, lines };
}

// A request made with the same key by another tool: fal bills it, storyreel's ledger never hears of it.
async function submitElsewhere(fake: FakeFal, input: Record<string, unknown>): Promise<string> {
  const id = fake.acceptFrom(KLING, input);
  // fal lists a request once it has ended (the fake's latency).
  await new Promise((r) => setTimeout(r, 200));
  return id;
}

describe("spend --reconcile", { concurrency: 4 }, () => {
  test("a request only fal has and a record only the ledger has are both named; exit 1", async () => {
    const p = await rendered();
    const other = await submitElsewhere(p.fake, {
      prompt: "elsewhere",
      duration: "10",
      generate_audio: true,
    });
    const dropped = JSON.parse(p.lines[0]!);
    // A record for a request fal never had.
    const ghost = { ...dropped, request_id: "req-ghost", step: "s9" };
    await writeFile(p.ledger, `${p.lines[1]}\n${JSON.stringify(ghost)}\n`);

    const r = await p.run(["spend", "--reconcile"]);
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(r.stdout, /1 matched/);
    assert.match(r.stdout, /Only in fal's listing: 2 requests, \$2\.10/);
    assert.match(r.stdout, new RegExp(`${dropped.request_id}  ${KLING}  \\S+  \\$0\\.70`));
    assert.match(r.stdout, new RegExp(`${other}  ${KLING}  \\S+  \\$1\\.40`));
    assert.match(r.stdout, /Only in the ledger: 1 record, \$0\.70/);
    assert.match(r.stdout, /req-ghost .* storyboard\.yaml {2}s9 {2}\$0\.70/);
    assert.match(r.stdout, /other tools using the same FAL_KEY/);
    assert.match(r.stdout, /may lag a few minutes/);
    assert.match(r.stderr, /differ: 2 requests only fal lists, 1 record only the ledger has/);
    // Every listing went through the proxy, one endpoint at a time, the registry's models among them.
    const looks = p.fake.requests.filter((q) => q.route === "listing");
    for (const q of looks) assert.ok(q.headers["x-fal-target-url"], "through FAL_PROXY_URL");
    const listed = new Set(looks.map((q) => new URL(q.target).searchParams.get("endpoint_id")));
    assert.ok(listed.has(KLING));
    assert.ok(listed.has("fal-ai/flux-1/dev"), "the model registry's image models are listed too");

    const json = await p.run(["spend", "--reconcile", "--json"]);
    assert.equal(json.exitCode, 1);
    const shape = JSON.parse(json.stdout);
    assert.equal(shape.version, 1);
    assert.equal(shape.matched, 1);
    assert.deepEqual(
      shape.fal_only.map((f: { request_id: string }) => f.request_id).sort(),
      [dropped.request_id, other].sort(),
    );
    assert.deepEqual(
      shape.ledger_only.map((l: { request_id: string }) => l.request_id),
      ["req-ghost"],
    );
    assert.equal(typeof shape.since, "string");
  });

  test("a ledger that matches fal's listing: they agree, exit 0", async () => {
    const p = await rendered();
    const r = await p.run(["spend", "--reconcile"]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /2 matched/);
    assert.match(r.stdout, /Only in fal's listing: 0 requests/);
    assert.match(r.stdout, /They agree\./);
    // --since after everything: nothing in the window, nothing to name.
    const later = await p.run(["spend", "--reconcile", "--since", new Date(Date.now() - 10).toISOString()]);
    assert.equal(later.exitCode, 0, later.stderr);
    assert.match(later.stdout, /0 matched/);
  });

  test("bad input exits 2 before asking fal; an unreadable listing exits 1 saying why", async () => {
    const p = await rendered({ listing: { status: 403 } });
    const before = p.fake.requests.length;
    for (const since of ["yesterday", "2026-13-45", "2999-01-01"]) {
      const r = await p.run(["spend", "--reconcile", "--since", since]);
      assert.equal(r.exitCode, 2, `${since}: ${r.stderr}`);
      assert.match(r.stderr, /--since/);
    }
    const noKey = await p.run(["spend", "--reconcile"], { FAL_KEY: undefined });
    assert.equal(noKey.exitCode, 2);
    assert.match(noKey.stderr, /FAL_KEY is not set/);
    assert.equal(p.fake.requests.length, before, "nothing was asked of fal");
    const r = await p.run(["spend", "--reconcile"]);
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /cannot reconcile the spend ledger: fal's request listing answered HTTP 403/);
  });
});
