// Takes and picks against the fake fal server: a pick records its own take's output, retakes and picks belong
// to the version of a step they were made for, money in the report is what this run paid, a still's takes are
// priced and shown, and two retakes at once make two takes.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { parse, stringify } from "yaml";
import { runInProcess } from "../../testkit/cli.js";
import { makeClip } from "../../testkit/clips.js";
import { FakeFal } from "../../testkit/fake-fal.js";
import { falEnv, TEST_FAL_KEY } from "../../testkit/fal-env.js";
import { cachePaths } from "../../src/cache/layout.js";
import { retakeTurn } from "../../src/pipeline/index.js";
import { makeProject } from "../helpers/project.js";
import { twoShots as board } from "../helpers/boards.js";

let fake: FakeFal;
before(async () => (fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 100 }).start()));
after(() => fake.stop());

interface LockStep {
  id: string;
  key: string;
  take: number;
  takes: number;
  picked?: boolean;
  sha256?: string;
  bytes?: number;
  request_id?: string;
}

// A shot made from a still, and the still with as many takes as asked.
function stillBoard(tag: string, takes?: number) {
  return {
    version: 1,
    defaults: { audio: false },
    stills: { keeper: { prompt: `${tag} keeper`, size: "1280x720", ...(takes && { takes }) } },
    shots: [{ id: "arrival", image: { still: "keeper" }, prompt: `${tag} arrival` }],
  };
}

async function project(storyboard: Record<string, unknown>) {
  fake.requests.length = 0;
  fake.jobs.clear();
  const p = await makeProject({ storyboard });
  const cache = path.join(p.dir, "cache");
  const env = falEnv(fake, cache);
  const run = (...args: string[]) => runInProcess(args, { cwd: p.dir, env });
  const lock = async () =>
    parse(await readFile(path.join(p.dir, "storyboard.lock.yaml"), "utf8")) as { steps: LockStep[] };
  const step = async (id: string) => (await lock()).steps.find((s) => s.id === id)!;
  const report = async () =>
    JSON.parse(await readFile(path.join(p.dir, "out", "storyboard.report.json"), "utf8"));
  const edit = (b: Record<string, unknown>) => writeFile(p.file, stringify(b));
  return { ...p, cache, env, run, lock, step, report, edit };
}

const submits = () => fake.requests.filter((r) => r.route === "submit").length;

test("pick after a retake writes the picked take's own sha256, bytes and request id, and --frozen renders it", async () => {
  // Every clip fal makes is different, as a real model's takes are.
  let made = 0;
  fake.setVideo(() => readFileSync(makeClip({ seconds: 5, audio: false, hue: 40 * made++ })));
  after(() => fake.setVideo(undefined));
  const p = await project(board("pick facts"));
  assert.equal((await p.run("render", p.file)).exitCode, 0);
  assert.equal((await p.run("retake", p.file, "one")).exitCode, 0);
  const plan = JSON.parse((await p.run("plan", p.file, "--json")).stdout);
  const take2 = plan.shots[0].takes[1];
  assert.equal(take2.status, "cached");
  const sidecar = JSON.parse(await readFile(path.join(p.cache, "clips", `${take2.key}.json`), "utf8"));

  const pick = await p.run("pick", p.file, "one", "2");
  assert.equal(pick.exitCode, 0, pick.stderr);
  const locked = await p.step("shot:one");
  assert.equal(locked.key, take2.key);
  assert.deepEqual(
    [locked.sha256, locked.bytes, locked.request_id],
    [sidecar.sha256, sidecar.bytes, sidecar.request_id],
    "the lock names take 2's output, not take 1's",
  );
  fake.requests.length = 0;
  const frozen = await p.run("render", p.file, "--frozen");
  assert.equal(frozen.exitCode, 0, frozen.stderr);
  assert.equal(submits(), 0);
  const film = JSON.parse(await readFile(path.join(p.dir, "out", "storyboard.film.json"), "utf8"));
  assert.equal(film.clips[0].key, take2.key, "the film is made from the picked take");
});

test("pick of a take that more `takes:` in the storyboard added keeps the lock valid", async () => {
  const p = await project(board("more takes"));
  assert.equal((await p.run("render", p.file)).exitCode, 0);
  await p.edit(board("more takes", { takes: 2 }));
  const pick = await p.run("pick", p.file, "one", "2");
  assert.equal(pick.exitCode, 0, pick.stderr);
  assert.match(pick.stderr, /take 2 \(not made yet: the next render makes it\)/);
  const locked = await p.step("shot:one");
  assert.deepEqual([locked.take, locked.takes, locked.sha256], [2, 2, undefined]);
  fake.requests.length = 0;
  const render = await p.run("render", p.file);
  assert.equal(render.exitCode, 0, render.stderr);
  assert.equal(submits(), 1, "take 2 is made");
  assert.equal((await p.step("shot:one")).request_id !== undefined, true);
});

test("a retake and a pick belong to the version they were made for: an edit makes one take, the pick lapses, and says so", async () => {
  const p = await project(board("one-off"));
  assert.equal((await p.run("render", p.file)).exitCode, 0);
  assert.equal((await p.run("retake", p.file, "one")).exitCode, 0);
  assert.equal((await p.run("pick", p.file, "one", "2")).exitCode, 0);
  await p.edit(board("one-off", { prompt: "one-off one, edited" }));

  const plan = await p.run("plan", p.file);
  assert.doesNotMatch(plan.stdout, /uses take \d+ of|takes? \d+ to make/);
  assert.match(plan.stdout, /Cost: whole film \$0\.70; new spending \$0\.35/);
  assert.match(
    plan.stdout,
    /Warning: shot:one: take 2 was picked for an earlier version \(the shot or a still it is made from changed since\), so the pick lapsed; it uses take 1 now/,
  );
  fake.requests.length = 0;
  const render = await p.run("render", p.file);
  assert.equal(render.exitCode, 0, render.stderr);
  assert.match(render.stderr, /warning: shot:one: take 2 was picked for an earlier version/);
  assert.equal(submits(), 1, "one take of the new prompt, not two");
  const locked = await p.step("shot:one");
  assert.deepEqual([locked.take, locked.takes, locked.picked], [1, 1, undefined]);
  // A retake of the new version is its take 2, at the price of one take.
  fake.requests.length = 0;
  const retake = await p.run("retake", p.file, "one");
  assert.equal(retake.exitCode, 0, retake.stderr);
  assert.match(retake.stderr, /one: take 2 added/);
  assert.equal(submits(), 1);
});

test("a shot below a still whose pick lapsed makes the storyboard's takes again", async () => {
  const p = await project(stillBoard("below"));
  assert.equal((await p.run("render", p.file)).exitCode, 0);
  assert.equal((await p.run("retake", p.file, "keeper")).exitCode, 0);
  assert.equal((await p.run("pick", p.file, "keeper", "2")).exitCode, 0);
  assert.equal((await p.run("render", p.file)).exitCode, 0, "the shot is made from take 2");
  assert.equal((await p.run("retake", p.file, "arrival")).exitCode, 0);
  assert.equal((await p.step("shot:arrival")).takes, 2);

  await p.edit(stillBoard("below, edited"));
  const plan = await p.run("plan", p.file);
  assert.match(
    plan.stdout,
    /Warning: still:keeper: take 2 was picked for an earlier version .*, so the pick lapsed/,
  );
  assert.doesNotMatch(plan.stdout, /uses take \d+ of|takes? \d+ to make/);
  fake.requests.length = 0;
  assert.equal((await p.run("render", p.file)).exitCode, 0);
  assert.equal(submits(), 2, "one still and one clip");
  assert.deepEqual(
    (await p.lock()).steps.map((s) => [s.id, s.take, s.takes, s.picked]),
    [
      ["still:keeper", 1, 1, undefined],
      ["shot:arrival", 1, 1, undefined],
    ],
  );
});

test("the report counts what this run paid: takes made now are generated", async () => {
  const p = await project(board("money", { takes: 2 }));
  const first = await p.run("render", p.file);
  assert.equal(first.exitCode, 0, first.stderr);
  assert.equal(submits(), 3);
  const report = await p.report();
  assert.equal(report.shots[0].status, "generated", "both takes were made by this run");
  assert.equal(report.cost.spent, 1.05, "three 5 s clips at $0.35");
  const html = await readFile(path.join(p.dir, "out", "storyboard.html"), "utf8");
  assert.match(html, /spent \$1\.05 this run/);
  assert.match(first.stdout + first.stderr, /Clips: 3 generated \(\$1\.05\)/);
});

test("a still's takes: the plan row prices every take, and the contact sheet shows each with its pick command", async () => {
  const p = await project(stillBoard("still takes", 2));
  const plan = await p.run("plan", p.file);
  assert.match(plan.stdout, /still\s+keeper\s+generate\s+\$0\.04 \(2 takes\)/);
  assert.match(plan.stdout, /1 still \(2 to make, \$0\.04\)/);
  assert.equal((await p.run("render", p.file)).exitCode, 0);
  const keeper = (await p.report()).steps.find((s: { id: string }) => s.id === "still:keeper");
  assert.deepEqual(
    keeper.takes.map((t: { take: number; used: boolean; image?: string; pick: string }) => [
      t.take,
      t.used,
      t.image !== undefined,
      t.pick,
    ]),
    [
      [1, true, true, `storyreel pick ${p.file} keeper 1`],
      [2, false, true, `storyreel pick ${p.file} keeper 2`],
    ],
  );
  const html = await readFile(path.join(p.dir, "out", "storyboard.html"), "utf8");
  const card = html.slice(html.indexOf('id="still-keeper"'), html.indexOf('<h2 class="section">Shots'));
  for (const t of keeper.takes) {
    assert.ok(card.includes(`<img src="${t.image}"`), `take ${t.take}'s image is on the still's card`);
    assert.ok(card.includes(`<code>${t.pick}</code>`));
  }
});

test("two retakes at once make two takes, the second after the first, and say so", async () => {
  const p = await project(board("together"));
  assert.equal((await p.run("render", p.file)).exitCode, 0);
  fake.requests.length = 0;
  const [a, b] = await Promise.all([p.run("retake", p.file, "one"), p.run("retake", p.file, "one")]);
  assert.equal(a.exitCode, 0, a.stderr);
  assert.equal(b.exitCode, 0, b.stderr);
  assert.equal(submits(), 2, "two takes, one submit each");
  const said = [a.stderr, b.stderr].join("\n");
  assert.match(said, /one: take 2 added/);
  assert.match(said, /one: take 3 added/);
  assert.match(said, /waiting for another retake of .*storyboard\.yaml/);
  const locked = await p.step("shot:one");
  assert.equal(locked.takes, 3);
  const plan = await p.run("plan", p.file);
  assert.match(plan.stdout, /one\s+cached.*uses take 1 of 3$/m);
});

test("a retake waiting for another one stops on Ctrl-C, with nothing changed", async () => {
  const p = await project(board("wait stop"));
  assert.equal((await p.run("render", p.file)).exitCode, 0);
  const lockText = () => readFile(path.join(p.dir, "storyboard.lock.yaml"), "utf8");
  const before = await lockText();
  // Another retake of this storyboard holds its turn.
  const other = await retakeTurn(p.file, cachePaths(p.cache), {
    signal: new AbortController().signal,
    onWait: () => undefined,
  });
  fake.requests.length = 0;
  const ctrlC = new AbortController();
  const waiting = runInProcess(["retake", p.file, "one"], {
    cwd: p.dir,
    env: p.env,
    signal: ctrlC.signal,
    onStderr: (t) => {
      if (t.includes("waiting for another retake")) ctrlC.abort();
    },
  });
  // Should the wait ignore Ctrl-C, the other retake ends after a while and this one goes on (and fails below).
  const end = setTimeout(() => void other.release(), 3000);
  const r = await waiting;
  clearTimeout(end);
  await other.release();
  assert.equal(r.exitCode, 130, r.stderr);
  assert.match(r.stderr, /interrupted while waiting for the other retake; nothing changed/);
  assert.equal(submits(), 0);
  assert.equal(await lockText(), before);
});
