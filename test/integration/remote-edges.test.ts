// The remote cache's edges: settings that are wrong, a claim left by a machine that died mid-submit, a machine
// that joins late, and --frozen against a lock the storyboard no longer matches.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, describe, test } from "node:test";
import { stringify } from "yaml";
import { shots } from "../helpers/project.js";
import { claimsIn, leaveDeadClaim, S3_SECRET, team as makeTeam } from "../helpers/remote-team.js";

const stops: (() => Promise<unknown>)[] = [];
after(() => Promise.all(stops.map((s) => s())));
const team = (n: number, latencyMs?: number, s3Options?: Parameters<typeof makeTeam>[3]) =>
  makeTeam(stops, n, latencyMs, s3Options);

describe("remote cache edges", { concurrency: 4 }, () => {
  test("a bucket that does not exist, or a wrong key, stops the render before anything (exit 2)", async () => {
    const t = await team(2, 100, { accessKeyId: "AKIDTEST" });
    const a = await t.clone();
    const typo = await a.render(["--remote-cache", "s3://no-such-bucket/team"]);
    assert.equal(typo.exitCode, 2, typo.stderr);
    assert.match(typo.stderr, /s3:\/\/no-such-bucket\/team\/ refused these settings: .*NoSuchBucket/);
    const key = await a.render([], { AWS_ACCESS_KEY_ID: "AKIDWRONG" });
    assert.equal(key.exitCode, 2, key.stderr);
    assert.match(key.stderr, /InvalidAccessKeyId/);
    assert.equal(t.fal.count("submit"), 0);
    await assert.rejects(readFile(path.join(a.cache, "remote", "checks.json")), "no answer was remembered");
    assert.ok(!`${typo.stderr}${key.stderr}`.includes(S3_SECRET));
  });

  test("a claim left mid-submit by a machine that died keeps the step blocked on every machine", async () => {
    const t = await team(1, 100);
    const a = await t.clone();
    const plan = JSON.parse((await a.run(["plan", a.file, "--json"])).stdout);
    const key = plan.shots[0].key as string;
    leaveDeadClaim(t.s3, key);
    t.s3.clockOffsetMs += 120_000;
    const blocked = await a.render();
    assert.equal(blocked.exitCode, 1, blocked.stderr);
    assert.match(
      blocked.stderr,
      /took over from gone \(pid 1\), which stopped while its submit was unanswered/,
    );
    assert.match(blocked.stderr, /--resubmit-unconfirmed/);
    assert.equal(t.fal.count("submit"), 0, "nothing submitted without consent");
    assert.equal(claimsIn(t.s3).length, 1, "the claim stays, so another machine is blocked too");
    // Each machine that takes the claim over leaves it as it found it: a lease later, the next one is blocked too.
    t.s3.clockOffsetMs += 120_000;
    const b = await t.clone();
    assert.equal((await b.render()).exitCode, 1);
    assert.equal(t.fal.count("submit"), 0);
    // `cache forget` clears the claim with the journal (once no live machine refreshes it): consent, as locally.
    t.s3.clockOffsetMs += 120_000;
    const forget = await b.run(["cache", "forget", "s1"]);
    assert.equal(forget.exitCode, 0, forget.stderr);
    assert.match(forget.stdout, /Cleared its claim in s3:\/\/storyreel\/team\/ too/);
    assert.equal(claimsIn(t.s3).length, 0);
    const consent = await b.render();
    assert.equal(consent.exitCode, 0, consent.stderr);
    assert.equal(t.fal.count("submit"), 1);
    assert.equal(claimsIn(t.s3).length, 0);
  });

  test("a machine that joins late takes the steps nobody has started: claims are made only at submit", async () => {
    const t = await team(4, 900);
    const [a, b] = [await t.clone(), await t.clone()];
    const first = a.render(["--concurrency", "1"]);
    await new Promise((r) => setTimeout(r, 400));
    const [ra, rb] = await Promise.all([first, b.render(["--concurrency", "2"])]);
    assert.equal(ra.exitCode, 0, ra.stderr);
    assert.equal(rb.exitCode, 0, rb.stderr);
    assert.equal(t.fal.count("submit"), 4);
    const made = (r: { stderr: string }) => Number(/Clips: (\d+) generated/.exec(r.stderr)?.[1] ?? 0);
    assert.ok(made(rb) >= 2, `the late machine made ${made(rb)} of 4`);
    assert.equal(made(ra) + made(rb), 4);
  });

  test("--frozen compares storyboard and lock before it downloads anything", async () => {
    const t = await team(2);
    const a = await t.clone();
    assert.equal((await a.render()).exitCode, 0);
    const b = await t.clone();
    const lock = await readFile(path.join(a.dir, "storyboard.lock.yaml"), "utf8");
    await writeFile(path.join(b.dir, "storyboard.lock.yaml"), lock);
    await writeFile(b.file, stringify({ version: 1, shots: shots(2, { prompt: "moved on" }) }));
    const gets = () => t.s3.count("get", "team/v1/clips/");
    const before = gets();
    const r = await b.render(["--frozen", "--remote-cache-readonly"], { FAL_KEY: undefined });
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, /disagree/);
    assert.equal(gets(), before, "nothing was downloaded");
  });

  test("an output that could not be uploaded keeps its claim: another machine collects the request for free", async () => {
    const t = await team(1, 100);
    const a = await t.clone();
    t.s3.faults.push({
      op: "put",
      times: 1000,
      when: (r) => r.key.endsWith(".json"),
      action: { status: 500 },
    });
    const r = await a.render();
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /could not upload/);
    const [kept] = claimsIn(t.s3);
    assert.equal(kept?.state, "submitted");
    assert.match(kept?.request_id ?? "", /^req-/);
    t.s3.faults.length = 0;
    t.s3.clockOffsetMs += 120_000;
    const b = await t.clone();
    const rb = await b.render();
    assert.equal(rb.exitCode, 0, rb.stderr);
    assert.match(rb.stderr, /collecting the request it submitted, req-/);
    assert.equal(t.fal.count("submit"), 1, "collected, not paid again");
    assert.equal(claimsIn(t.s3).length, 0);
    assert.equal(t.s3.count("put", "team/v1/clips/") > 0, true);
  });
});
