// `storyreel render` with the fal provider: the CLI (in process) and the real @fal-ai/client against the fake fal server.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, describe, test } from "node:test";
import { stringify } from "yaml";
import { listFiles, runInProcess } from "../../testkit/cli.js";
import { FakeFal } from "../../testkit/fake-fal.js";
import { probe } from "../../testkit/ffprobe.js";
import { falEnv, TEST_FAL_KEY } from "../../testkit/fal-env.js";
import { makeProject, shots } from "../helpers/project.js";
import { checkDownloadUrl } from "../../src/providers/fal/download.js";

// Each test has its own fake fal server and project, so the tests run side by side.
const fakes: FakeFal[] = [];
after(() => Promise.all(fakes.map((f) => f.stop())));

async function fresh(spec: Parameters<typeof makeProject>[0], latencyMs = 250) {
  const fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs }).start();
  fakes.push(fake);
  const project = await makeProject(spec);
  const cache = path.join(project.dir, "cache");
  return {
    ...project,
    fake,
    cache,
    render: (args: string[] = [], env = {}) =>
      runInProcess(["render", project.file, ...args], { cwd: project.dir, env: falEnv(fake, cache, env) }),
  };
}

describe("render with the fal provider", { concurrency: 4 }, () => {
  test("happy path: every shot submitted once, clips and sidecars in the cache, key never written", async () => {
    const p = await fresh({
      images: { "a.png": [480, 320], "b.png": [320, 480, [1, 2, 3]] },
      storyboard: {
        version: 1,
        shots: [...shots(2), { id: "quiet", image: "images/b.png", prompt: "silence", audio: false }],
      },
    });
    const r = await p.render();
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(p.fake.count("submit"), 3);
    assert.match(r.stderr, /Clips: 3 generated \(\$1\.75\), 0 reused/);
    assert.match(r.stdout, /out\/storyboard\.mp4: 15\.0 s, 3 shots/);
    for (const q of p.fake.requests.filter((q) =>
      ["submit", "status", "result", "initiate"].includes(q.route),
    ))
      assert.equal(q.headers.authorization, `Key ${TEST_FAL_KEY}`);
    const sidecars = (await listFiles(p.cache)).filter((f) => f.startsWith("clips/") && f.endsWith(".json"));
    assert.equal(sidecars.length, 3);
    for (const f of sidecars) {
      const s = JSON.parse(await readFile(path.join(p.cache, f), "utf8"));
      assert.match(s.request_id, /^req-/);
      assert.match(
        String(s.input.start_image_url),
        /^http:\/\/127\.0\.0\.1:\d+\/files\//,
        "the input as sent carries the uploaded URL",
      );
      assert.ok(s.bytes > 0 && /^[0-9a-f]{64}$/.test(s.sha256));
      assert.equal(s.duration > 4.5 && s.duration < 5.5, true);
    }
    const quiet = p.fake.requests.find((q) => q.route === "submit" && q.body.includes("silence"))!;
    assert.deepEqual(JSON.parse(quiet.body).generate_audio, false);
    assert.equal(JSON.parse(quiet.body).duration, "5");
    assert.deepEqual(
      await listFiles(path.join(p.cache, "journal")),
      [],
      "journal entries are cleared once clips are in",
    );
    for (const f of await listFiles(p.dir))
      assert.ok(!(await readFile(path.join(p.dir, f))).includes(TEST_FAL_KEY), `FAL_KEY leaked into ${f}`);
    assert.ok(!r.stdout.includes(TEST_FAL_KEY) && !r.stderr.includes(TEST_FAL_KEY));
  });

  test("re-running submits nothing; editing one prompt submits exactly one; uploads are reused", async () => {
    const p = await fresh({ storyboard: { version: 1, shots: shots(3) } });
    assert.equal((await p.render()).exitCode, 0);
    assert.equal(p.fake.count("initiate"), 1, "three shots on one image: one upload");
    const again = await p.render();
    assert.equal(again.exitCode, 0, again.stderr);
    assert.equal(p.fake.count("submit"), 3, "a re-run after success submits nothing");
    assert.match(again.stdout, /storyboard\.mp4 is up to date \(3 shots/);
    const edited = shots(3);
    edited[1]!.prompt = "a different take";
    await writeFile(p.file, stringify({ version: 1, shots: edited }));
    const third = await p.render();
    assert.equal(third.exitCode, 0, third.stderr);
    assert.equal(p.fake.count("submit"), 4, "one edited prompt: exactly one new submit");
    assert.equal(p.fake.count("initiate"), 1, "the image URL is reused across runs while fresh");
  });

  test("a damaged paid clip is fetched again from fal's URL, not generated (and paid) again", async () => {
    const p = await fresh({ storyboard: { version: 1, shots: shots(2) } });
    assert.equal((await p.render()).exitCode, 0);
    const clip = (await listFiles(path.join(p.cache, "clips"))).find((f) => f.endsWith(".mp4"))!;
    const original = await readFile(path.join(p.cache, "clips", clip));
    await writeFile(path.join(p.cache, "clips", clip), original.subarray(0, 1000));
    await writeFile(
      p.file,
      stringify({
        version: 1,
        shots: shots(2).map((s) => ({ ...s, transition: undefined })),
        output: "out/again.mp4",
      }),
    );
    const r = await p.render();
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(
      r.stderr,
      /its cached clip was damaged; fetched it again from fal \(the same bytes, nothing paid\)/,
    );
    assert.equal(p.fake.count("submit"), 2, "nothing was submitted again");
    assert.deepEqual(await readFile(path.join(p.cache, "clips", clip)), original);
  });

  test("the concurrency cap holds as the server sees it", async () => {
    const p = await fresh({
      storyboard: { version: 1, shots: shots(6).map((s, i) => ({ ...s, prompt: `distinct ${i}` })) },
    });
    const r = await p.render(["--concurrency", "2"]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(p.fake.count("submit"), 6);
    assert.equal(p.fake.maxInFlight, 2);
    // Each submit goes on a connection of its own: a pooled connection reset while idle cannot make it unconfirmed.
    const submits = p.fake.requests.filter((q) => q.route === "submit");
    assert.deepEqual(
      submits.map((q) => q.earlierOnConnection),
      [0, 0, 0, 0, 0, 0],
    );
    assert.ok(
      p.fake.requests.some((q) => q.earlierOnConnection > 0),
      "other calls still reuse connections",
    );
    // The shots beyond the first two wait for a slot after their upload, and say so.
    const waiting = r.stderr.match(/: waiting: for a free slot \(--concurrency\)$/gm) ?? [];
    assert.ok(waiting.length >= 3, r.stderr);
  });

  test("a 422 fails only its own shot, with fal's message; the others finish and stay cached", async () => {
    const p = await fresh({
      storyboard: {
        version: 1,
        shots: [...shots(2), { id: "bad", image: "images/a.png", prompt: "please REJECT this" }],
      },
    });
    const r = await p.render();
    assert.equal(r.exitCode, 1);
    assert.match(
      r.stderr,
      /failed: bad: fetching the result: fal answered 422: The prompt was flagged by the content checker \[content_policy_violation\]/,
    );
    assert.equal(p.fake.count("submit"), 3, "a permanent failure is not retried");
    assert.equal((await listFiles(path.join(p.cache, "clips"))).filter((f) => f.endsWith(".mp4")).length, 2);
    assert.deepEqual(await listFiles(path.join(p.cache, "journal")), []);
    const report = JSON.parse(await readFile(path.join(p.dir, "out", "storyboard.report.json"), "utf8"));
    assert.equal(report.film, null);
    assert.deepEqual(
      report.shots.map((s: { status: string }) => s.status),
      ["generated", "generated", "failed"],
    );
    assert.match(report.shots[2].error, /content_policy_violation/);
    // What this run's submits cost by the spend ledger (as `storyreel spend` and render.budget count them): the
    // failed shot's request was accepted, so it is in the ledger too.
    assert.equal(report.cost.spent, 2.1);
    const html = await readFile(path.join(p.dir, "out", "storyboard.html"), "utf8");
    assert.match(html, /class="error">fetching the result: fal answered 422: The prompt was flagged/);
    // The plan says why the shot comes back: it failed, it is not new.
    const plan = await runInProcess(["plan", p.file, "--cache-dir", p.cache], { cwd: p.dir });
    assert.match(plan.stdout, /bad\s+generate .*failed last time: fetching the result: fal answered 422/);
    assert.doesNotMatch(plan.stdout, /new shot/);
  });

  test("one 503 on submit, then success", async () => {
    const p = await fresh({ storyboard: { version: 1, shots: shots(1) } });
    p.fake.faults.push({ route: "submit", times: 1, action: { status: 503 } });
    const r = await p.render();
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(p.fake.count("submit"), 2, "the 503 and the retry");
    assert.equal(p.fake.jobs.size, 1, "one request exists at fal");
  });

  test("a submit that gets no answer is not retried blindly: it is submitted again only once fal's listing shows it never arrived", async () => {
    for (const action of ["reset", { status: 504 }] as const) {
      const p = await fresh({ storyboard: { version: 1, shots: shots(1) } });
      p.fake.faults.push({ route: "submit", times: 1, action });
      // The listing is watched for the step's --timeout (here 1.2 s) before fal is taken never to have had it.
      const r = await p.render(["--timeout", "0.02"]);
      assert.equal(r.exitCode, 0, r.stderr);
      const listed = p.fake.requests.filter((q) => q.route === "listing");
      assert.ok(listed.length >= 2, `the listing is looked at again with backoff (${listed.length} looks)`);
      const resubmitAt = p.fake.requests.filter((q) => q.route === "submit")[1]!.at;
      assert.ok(
        listed.every((q) => q.at < resubmitAt),
        "every look happens before the second submit",
      );
      assert.equal(p.fake.count("submit"), 2, `after ${JSON.stringify(action)}: one lost submit, one more`);
      assert.equal(p.fake.jobs.size, 1, "fal made (and billed) it once");
      assert.match(
        r.stderr,
        /did not show the unanswered submit, so it is taken as never accepted and submitted/,
      );
    }
  });

  test("a truncated download is fetched again without a new submit", async () => {
    const p = await fresh({ storyboard: { version: 1, shots: shots(1) } });
    p.fake.faults.push({ route: "download", times: 1, action: "truncate" });
    const r = await p.render();
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /truncated|broke off/);
    assert.equal(p.fake.count("submit"), 1);
    assert.equal(p.fake.count("download"), 2);
  });

  test("a refused image upload fails the shot with fal's answer, not a crash", async () => {
    const p = await fresh({ storyboard: { version: 1, shots: shots(1) } });
    // Every time: the upload begun while the render's checks run, and the shot's own.
    p.fake.faults.push({
      route: "initiate",
      times: 10,
      action: { status: 403, body: { detail: "storage is not enabled for this key" } },
    });
    const r = await p.render();
    assert.equal(r.exitCode, 1);
    assert.match(
      r.stderr,
      /failed: s1: uploading the image: fal answered 403: storage is not enabled for this key \(check FAL_KEY/,
    );
    assert.doesNotMatch(r.stderr, /unexpected error|hit a bug/);
    assert.equal(p.fake.count("submit"), 0);
  });

  test("a shot that outlasts --timeout is cancelled at fal and fails alone", async () => {
    const p = await fresh({ storyboard: { version: 1, shots: shots(1) } });
    const slow = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 60_000 }).start();
    try {
      const r = await runInProcess(["render", p.file, "--timeout", "0.01"], {
        cwd: p.dir,
        env: { ...falEnv(slow, p.cache) },
      });
      assert.equal(r.exitCode, 1);
      assert.match(
        r.stderr,
        /failed: s1: gave up after 1 s waiting for fal \(request req-\d+\); the request was cancelled/,
      );
      assert.equal(slow.count("cancel"), 1);
      assert.equal(slow.count("submit"), 1, "a timeout is not retried by submitting again");
    } finally {
      await slow.stop();
    }
  });

  test("videos are downloaded over https, or plain http only from loopback", () => {
    assert.equal(checkDownloadUrl("https://v3b.fal.media/files/x.mp4").hostname, "v3b.fal.media");
    for (const ok of ["http://127.0.0.1:9/x.mp4", "http://localhost/x.mp4", "http://[::1]:80/x.mp4"])
      assert.ok(checkDownloadUrl(ok));
    for (const bad of [
      "http://v3b.fal.media/x.mp4",
      "http://10.0.0.1/x.mp4",
      "file:///etc/passwd",
      "ftp://example.com/x.mp4",
    ]) {
      assert.throws(() => checkDownloadUrl(bad), /refusing to download/);
    }
  });

  test("a missing FAL_KEY is exit 2 before any work", async () => {
    const p = await fresh({ storyboard: { version: 1, shots: shots(1) } });
    const r = await p.render([], { FAL_KEY: "" });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /FAL_KEY is not set/);
    assert.equal(p.fake.requests.length, 0);
    assert.deepEqual(await listFiles(p.cache), []);
  });

  test("--max-cost refuses with exit 2 before any request", async () => {
    const p = await fresh({ storyboard: { version: 1, shots: shots(3) } });
    const r = await p.render(["--max-cost", "1.50"]);
    assert.equal(r.exitCode, 2);
    assert.match(
      r.stderr,
      /would spend \$2\.10 on 3 new clips, more than --max-cost \$1\.50\. Nothing was submitted/,
    );
    assert.equal(p.fake.requests.length, 0);
  });

  test("--only generates the named shots and names the clips the film still lacks", async () => {
    const p = await fresh({
      storyboard: { version: 1, shots: shots(3).map((s, i) => ({ ...s, prompt: `only ${i}` })) },
    });
    const r = await p.render(["--only", "s2"]);
    assert.equal(r.exitCode, 1);
    assert.equal(p.fake.count("submit"), 1);
    assert.match(r.stderr, /not cached and were left out by --only: .*: s1, .*: s3/);
    assert.doesNotMatch(r.stderr, /Damaged/, "shots left out by --only are not reported as damaged");
  });

  test("--json prints one NDJSON event per state change", async () => {
    // Long enough in each fal state that a loaded machine's polls still see every one.
    const p = await fresh({ storyboard: { version: 1, shots: shots(1) } }, 1500);
    const r = await p.render(["--json"]);
    assert.equal(r.exitCode, 0, r.stderr);
    const events = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const states = events.filter((e) => e.type === "shot").map((e) => e.state);
    for (const s of ["queued", "uploading", "submitting", "in_queue", "in_progress", "downloading", "done"])
      assert.ok(states.includes(s), `missing ${s} in ${states}`);
    assert.deepEqual(
      events
        .filter((e) => e.type !== "shot")
        .map((e) => e.type)
        .filter((t) => t !== "stitch"),
      ["summary", "film", "report"],
    );
    assert.ok(events.some((e) => e.type === "stitch" && e.percent === 100));
    // The summary is counts a machine can read, with the sentences alongside.
    const summary = events.find((e) => e.type === "summary");
    assert.deepEqual(
      { ...summary, lines: undefined },
      {
        type: "summary",
        generated: 1,
        reused: 0,
        failed: 0,
        not_started: 0,
        spent: 0.7,
        saved: 0,
        interrupted: false,
        paid: true,
        failures: [],
        lines: undefined,
      },
    );
    assert.match(summary.lines[0], /^Clips: 1 generated \(\$0\.70\)/);
  });
});

describe("--allow-missing", () => {
  test("a failed shot and a shot left out by --only become slates of their length; the film is made", async () => {
    const p = await fresh({
      storyboard: {
        version: 1,
        shots: [...shots(2), { id: "bad", image: "images/a.png", prompt: "please REJECT this" }],
      },
    });
    const r = await p.render(["--allow-missing", "--only", "s1,bad"]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /failed: bad: .*content_policy_violation/);
    assert.match(r.stdout, /out\/storyboard\.mp4: 15\.0 s, 3 shots/);
    const film = await probe(path.join(p.dir, "out", "storyboard.mp4"));
    assert.ok(Math.abs(film.duration - 15) < 0.1, `film lasts ${film.duration}`);
    const report = JSON.parse(await readFile(path.join(p.dir, "out", "storyboard.report.json"), "utf8"));
    assert.deepEqual(
      report.shots.map((s: { id: string; status: string; stand_in?: string }) => [
        s.id,
        s.status,
        s.stand_in,
      ]),
      [
        ["s1", "generated", undefined],
        ["s2", "skipped", "slate"],
        ["bad", "failed", "slate"],
      ],
    );
    assert.equal(p.fake.count("submit"), 2, "the skipped shot was not generated");
    // Offline, the same storyboard is the same film: nothing is generated again and it is up to date.
    const again = await p.render(["--allow-missing", "--offline"]);
    assert.equal(again.exitCode, 0, again.stderr);
    assert.match(again.stdout, /storyboard\.mp4 is up to date/);
    assert.equal(p.fake.count("submit"), 2);
  });
});
