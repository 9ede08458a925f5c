// The storyboard as a graph (stills, edits, shared keyframes, continued shots) against the fake fal server:
// every step is submitted once, an edit cascades to exactly what is downstream, a failure blocks only its
// dependants (kill -9 mid-chain: test/e2e/killed-runs.test.ts).
import assert from "node:assert/strict";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { stringify } from "yaml";
import { runInProcess } from "../../testkit/cli.js";
import { FakeFal } from "../../testkit/fake-fal.js";
import { falEnv, TEST_FAL_KEY } from "../../testkit/fal-env.js";
import { makeProject } from "../helpers/project.js";
import { graphBoard as board } from "../helpers/boards.js";

let fake: FakeFal;
before(async () => (fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 100 }).start()));
after(() => fake.stop());

async function project(storyboard: Record<string, unknown>) {
  fake.requests.length = 0;
  fake.jobs.clear();
  const p = await makeProject({ storyboard });
  return { ...p, cache: path.join(p.dir, "cache") };
}

const submits = () => fake.requests.filter((r) => r.route === "submit");
const submittedPrompts = () => submits().map((r) => String(JSON.parse(r.body).prompt));

test("plan: the steps and their edges, what each waits for, and a cost that includes the stills", async () => {
  const p = await project(board("plan"));
  const run = await runInProcess(["plan", p.file, "--provider", "fal", "--json"], {
    cwd: p.dir,
    env: falEnv(fake, p.cache),
  });
  assert.equal(run.exitCode, 0, run.stderr);
  const plan = JSON.parse(run.stdout);
  const ids = plan.steps.map((s: { id: string }) => s.id);
  assert.deepEqual(ids, [
    "still:keeper",
    "still:keeper-lamp",
    "still:close",
    "frame:lamp@last",
    "shot:arrival",
    "shot:lamp",
    "shot:glow",
    "shot:beam",
  ]);
  const edge = (from: string, to: string) =>
    plan.edges.some((e: { from: string; to: string }) => e.from === from && e.to === to);
  for (const [from, to] of <Array<[string, string]>>[
    ["still:keeper", "still:keeper-lamp"],
    ["still:keeper-lamp", "still:close"],
    ["still:close", "shot:lamp"],
    ["still:close", "shot:glow"],
    ["shot:lamp", "frame:lamp@last"],
    ["frame:lamp@last", "shot:beam"],
  ])
    assert.ok(edge(from, to), `${from} → ${to}`);
  const shot = (id: string) => plan.shots.find((s: { id: string }) => s.id === id);
  assert.deepEqual(shot("lamp").waits_for, ["keeper-lamp", "close"]);
  assert.deepEqual(shot("beam").waits_for, ["lamp"]);
  const still = (name: string) => plan.steps.find((s: { name: string }) => s.name === name);
  assert.deepEqual(still("close").waits_for, ["keeper-lamp"]);
  // FLUX at $0.025/MP for 1280x720 rounds to $0.02; each edit $0.08; four 5 s silent Kling clips at $0.35.
  assert.equal(plan.cost.new, 1.58);
  const text = await runInProcess(["plan", p.file, "--provider", "fal"], {
    cwd: p.dir,
    env: falEnv(fake, p.cache),
  });
  assert.match(text.stdout, /edit\s+close\s+generate\s+\$0\.08\s+new still; waits for keeper-lamp/);
  assert.match(text.stdout, /beam\s+generate.*waits for lamp/);
  assert.equal(submits().length, 0, "planning submits nothing");
});

test("render: every step is submitted once; an edit upstream cascades to exactly what is downstream", async () => {
  const p = await project(board("cascade"));
  const env = falEnv(fake, p.cache);
  const first = await runInProcess(["render", p.file], { cwd: p.dir, env });
  assert.equal(first.exitCode, 0, first.stderr);
  assert.equal(submits().length, 7, "3 stills and 4 clips");
  assert.equal(new Set(submittedPrompts()).size, 7, "none twice");
  const edits = submits().filter((r) => r.target.includes("nano-banana"));
  assert.equal(edits.length, 2);
  const keeperLamp = JSON.parse(edits.find((r) => r.body.includes("lamp room"))?.body ?? "{}");
  assert.equal(keeperLamp.image_urls.length, 2, "the keeper's still and the image file, uploaded");
  const report = JSON.parse(await readFile(path.join(p.dir, "out", "storyboard.report.json"), "utf8"));
  assert.equal(report.cost.spent, 1.58);
  assert.deepEqual(
    report.steps.filter((s: { kind: string }) => s.kind !== "clip").map((s: { status: string }) => s.status),
    ["generated", "generated", "generated", "extracted"],
  );
  const sheet = await readFile(path.join(p.dir, "out", "storyboard.html"), "utf8");
  assert.match(sheet, /id="still-keeper"/);
  assert.match(sheet, /continues <a href="#shot-lamp">lamp<\/a> \(last frame\)/);

  fake.requests.length = 0;
  const again = await runInProcess(["render", p.file], { cwd: p.dir, env });
  assert.equal(again.exitCode, 0, again.stderr);
  assert.equal(submits().length, 0, "a second render submits nothing");

  // Edit the shared keyframe's prompt: it, the two shots that use it, and the shot continuing lamp.
  await writeFile(
    p.file,
    stringify(board("cascade", { close: "cascade close on his hands, the flame caught" })),
  );
  const plan = await runInProcess(["plan", p.file], { cwd: p.dir, env });
  assert.match(plan.stdout, /edit\s+close\s+generate\s+\$0\.08\s+prompt changed/);
  assert.match(plan.stdout, /lamp\s+generate.*still close changed/);
  assert.match(plan.stdout, /beam\s+generate.*start frame from lamp changed/);
  assert.match(plan.stdout, /arrival\s+cached/);
  fake.requests.length = 0;
  const edited = await runInProcess(["render", p.file], { cwd: p.dir, env });
  assert.equal(edited.exitCode, 0, edited.stderr);
  assert.deepEqual(submittedPrompts().sort(), [
    "cascade close on his hands, the flame caught",
    "cascade he lights the lamp",
    "cascade the beam sweeps the sea",
    "cascade the flame steadies",
  ]);
  // A paid still whose bytes went bad is fetched again from fal's URL (free) when a shot needs it.
  const stillsDir = path.join(p.cache, "stills");
  const keeperKey = JSON.parse(
    await readFile(path.join(p.dir, "out", "storyboard.report.json"), "utf8"),
  ).steps.find((s: { name: string }) => s.name === "keeper").key;
  await writeFile(path.join(stillsDir, `${keeperKey}.png`), "not a png any more");
  await writeFile(
    p.file,
    (await readFile(p.file, "utf8")).replace("he climbs the stairs", "he climbs, slowly"),
  );
  fake.requests.length = 0;
  const repaired = await runInProcess(["render", p.file], { cwd: p.dir, env });
  assert.equal(repaired.exitCode, 0, repaired.stderr);
  assert.deepEqual(
    submittedPrompts(),
    ["cascade he climbs, slowly"],
    "the still was fetched again, not paid again",
  );
  // Stills gone from the cache while every shot that uses them is cached: nothing needs them, nothing is paid.
  await rm(path.join(p.cache, "stills"), { recursive: true });
  fake.requests.length = 0;
  const without = await runInProcess(["plan", p.file], { cwd: p.dir, env });
  assert.match(
    without.stdout,
    /still\s+keeper\s+skipped\s+\(\$0\.02\)\s+not needed: every shot that uses it is cached/,
  );
  assert.match(without.stdout, /new spending \$0\.00/);
  assert.equal((await runInProcess(["render", p.file], { cwd: p.dir, env })).exitCode, 0);
  assert.equal(submits().length, 0, "no still is made again for shots that are cached");
});

test("a failed still fails only what depends on it; everything else finishes and is kept", async () => {
  const p = await project(board("blocked", { lampEdit: "REJECT this lamp room" }));
  const run = await runInProcess(["render", p.file], { cwd: p.dir, env: falEnv(fake, p.cache) });
  assert.equal(run.exitCode, 1, run.stderr);
  assert.deepEqual(submittedPrompts().sort(), [
    "REJECT this lamp room",
    "blocked he climbs the stairs",
    "blocked keeper portrait, yellow coat",
  ]);
  assert.match(run.stderr, /lamp: failed: blocked by still keeper-lamp \(.*The prompt was flagged/);
  assert.match(run.stderr, /beam: failed: blocked by lamp, which is blocked by still keeper-lamp/);
  const report = JSON.parse(await readFile(path.join(p.dir, "out", "storyboard.report.json"), "utf8"));
  const status = (id: string) => report.shots.find((s: { id: string }) => s.id === id).status;
  assert.equal(status("arrival"), "generated");
  for (const id of ["lamp", "glow", "beam"]) assert.equal(status(id), "failed", id);
  const close = report.steps.find((s: { name: string }) => s.name === "close");
  assert.equal(close.status, "failed");
  assert.match(close.error, /blocked by still keeper-lamp/);
});

test("bad graphs are refused with file:line:col and a hint, before anything is spent", async () => {
  const p = await project({
    version: 1,
    stills: {
      a: { edit: ["b"], prompt: "a" },
      b: { edit: ["a"], prompt: "b" },
      empty: { edit: [], prompt: "nothing to edit" },
      outside: { edit: ["../elsewhere.png"], prompt: "x" },
      tiny: { prompt: "too small for Kling", size: "200x200" },
      keeper: { prompt: "k" },
    },
    shots: [
      { id: "one", image: { still: "kepper" }, prompt: "p" },
      { id: "two", image: { from: "three" }, prompt: "p" },
      { id: "three", image: { from: "two", frame: 3 }, prompt: "p" },
      { id: "four", image: { from: "one", frame: 7 }, prompt: "p" },
      { id: "five", image: { from: "on" }, prompt: "p" },
    ],
  });
  await writeFile(
    path.join(p.dir, "..", "elsewhere.png"),
    await readFile(path.join(p.dir, "images", "a.png")),
  );
  const run = await runInProcess(["validate", p.file], { cwd: p.dir, env: falEnv(fake, p.cache) });
  assert.equal(run.exitCode, 2, run.stderr);
  const line = (pattern: RegExp) =>
    run.stderr.split("\n").find((l) => pattern.test(l)) ??
    assert.fail(`no line matching ${pattern}:\n${run.stderr}`);
  assert.match(line(/a cycle: a → b → a/), /storyboard\.yaml:\d+:\d+/);
  assert.match(line(/a cycle: two → three → two/), /storyboard\.yaml:\d+:\d+/);
  assert.match(line(/an edit needs at least one reference/), /stills\.empty\.edit/);
  assert.match(line(/outside the storyboard's folder/), /stills\.outside\.edit/);
  assert.match(line(/200x200/), /needs at least 300 px/);
  assert.match(line(/unknown still "kepper"/), /did you mean "keeper"/);
  assert.match(line(/unknown shot "on"/), /did you mean "one"/);
  assert.match(line(/7 s is outside shot "one"'s clip/), /shots\[3\]\.image\.frame/);
  assert.equal(fake.requests.length, 0);
});

test("an edit can take an https image as a reference; a frame that went bad in the cache is taken again", async () => {
  const p = await project({
    version: 1,
    stills: {
      hero: { edit: ["https://example.invalid/hero.png"], prompt: "url hero in a coat" },
    },
    shots: [
      { id: "a", image: { still: "hero" }, prompt: "url a walks", audio: false },
      { id: "b", image: { from: "a" }, prompt: "url b continues", audio: false },
    ],
  });
  const env = falEnv(fake, p.cache);
  const run = await runInProcess(["render", p.file], { cwd: p.dir, env });
  assert.equal(run.exitCode, 0, run.stderr);
  const edit = submits().find((r) => r.target.includes("nano-banana"))!;
  assert.deepEqual(JSON.parse(edit.body).image_urls, ["https://example.invalid/hero.png"]);
  const frames = path.join(p.cache, "frames");
  const [frame] = await readdir(frames);
  await writeFile(path.join(frames, frame!), "not a png");
  await writeFile(p.file, (await readFile(p.file, "utf8")).replace("url b continues", "url b goes on"));
  fake.requests.length = 0;
  const again = await runInProcess(["render", p.file], { cwd: p.dir, env });
  assert.equal(again.exitCode, 0, again.stderr);
  assert.equal(submits().length, 1, "only b, from a frame taken again");
});
