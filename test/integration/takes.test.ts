// Takes, picks, the lockfile and --frozen, the spend ledger and budget, and the cache commands, against the fake
// fal server; and a real git repository in which an older commit renders its own film again for nothing.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { parse, stringify } from "yaml";
import { runInProcess } from "../../testkit/cli.js";
import { makeClip } from "../../testkit/clips.js";
import { FakeFal } from "../../testkit/fake-fal.js";
import { falEnv, TEST_FAL_KEY } from "../../testkit/fal-env.js";
import { makeProject } from "../helpers/project.js";
import { twoShots } from "../helpers/boards.js";
import { TINY_PREVIEWS } from "../../testkit/tiny-provider.js";

let fake: FakeFal;
before(async () => (fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 100 }).start()));
after(() => fake.stop());

const board = (tag: string, extra: Record<string, unknown> = {}) => twoShots(tag, {}, extra);

async function project(storyboard: Record<string, unknown>) {
  fake.requests.length = 0;
  fake.jobs.clear();
  const p = await makeProject({ storyboard });
  const cache = path.join(p.dir, "cache");
  // Preview renders here make 160-pixel clips: what is tested is the cache, not the preview.
  const env = falEnv(fake, cache, TINY_PREVIEWS);
  const run = (...args: string[]) => runInProcess(args, { cwd: p.dir, env });
  const lock = async () => parse(await readFile(path.join(p.dir, "storyboard.lock.yaml"), "utf8"));
  return { ...p, cache, env, run, lock };
}

const submits = () => fake.requests.filter((r) => r.route === "submit").length;
const uploads = () => fake.requests.filter((r) => r.route === "upload").length;

test("retake adds exactly one submit; pick chooses the take the film uses, and the lock records it", async () => {
  const p = await project(board("takes"));
  const early = await p.run("retake", p.file, "one");
  assert.equal(early.exitCode, 2, "a retake spends only on its new takes");
  assert.match(early.stderr, /not made yet \(\$0\.70 of new spending\); render it first/);
  // An id the storyboard lacks is named as such, before anything else.
  const typo = await p.run("retake", p.file, "onee");
  assert.equal(typo.exitCode, 2);
  assert.match(typo.stderr, /has no shot or still "onee" \(did you mean "one"\?\)/);
  assert.equal(submits(), 0);
  assert.equal((await p.run("render", p.file)).exitCode, 0);
  assert.equal(submits(), 2);
  const first = await p.lock();
  assert.deepEqual(
    first.steps.map((s: { id: string; take: number; takes: number }) => [s.id, s.take, s.takes]),
    [
      ["shot:one", 1, 1],
      ["shot:two", 1, 1],
    ],
  );
  assert.match(await readFile(path.join(p.dir, "storyboard.lock.yaml"), "utf8"), /^# storyreel lockfile/);
  assert.doesNotMatch(await readFile(path.join(p.dir, "storyboard.lock.yaml"), "utf8"), new RegExp(p.dir));

  fake.requests.length = 0;
  const retake = await p.run("retake", p.file, "one");
  assert.equal(retake.exitCode, 0, retake.stderr);
  assert.equal(submits(), 1, "a retake is one submit");
  const plan = await p.run("plan", p.file);
  assert.match(plan.stdout, /one\s+cached.*uses take 1 of 2/);

  const pick = await p.run("pick", p.file, "one", "2");
  assert.equal(pick.exitCode, 0, pick.stderr);
  const locked = (await p.lock()).steps.find((s: { id: string }) => s.id === "shot:one");
  assert.equal(locked.take, 2);
  assert.equal(locked.picked, true);
  fake.requests.length = 0;
  assert.equal((await p.run("render", p.file)).exitCode, 0);
  assert.equal(submits(), 0, "picking a made take costs nothing");
  const film = JSON.parse(await readFile(path.join(p.dir, "out", "storyboard.film.json"), "utf8"));
  assert.equal(film.clips[0].key, locked.key, "the film is made from the picked take");
  const report = JSON.parse(await readFile(path.join(p.dir, "out", "storyboard.report.json"), "utf8"));
  assert.deepEqual(
    report.shots[0].takes.map((t: { take: number; used: boolean; picked: boolean }) => [
      t.take,
      t.used,
      t.picked,
    ]),
    [
      [1, false, false],
      [2, true, true],
    ],
  );
  assert.equal((await p.run("pick", p.file, "one", "3")).exitCode, 2);
  assert.match((await p.run("pick", p.file, "onr", "1")).stderr, /did you mean "one"/);
});

test("retake FILE ID ID --out X: the ids are not storyboards, and the film goes to X", async () => {
  const p = await project(board("retake out"));
  assert.equal((await p.run("render", p.file)).exitCode, 0);
  fake.requests.length = 0;
  const retake = await p.run("retake", p.file, "one", "two", "--out", "out/alt.mp4");
  assert.equal(retake.exitCode, 0, retake.stderr);
  assert.equal(submits(), 2, "one new take of each shot named");
  const film = JSON.parse(await readFile(path.join(p.dir, "out", "alt.film.json"), "utf8"));
  assert.ok(film, "the film record is beside --out's film");
  assert.ok((await readdir(path.join(p.dir, "out"))).includes("alt.mp4"));
});

test("--frozen renders exactly the lock with 0 submits and 0 uploads, and refuses a storyboard that moved on", async () => {
  const p = await project(board("frozen"));
  assert.equal((await p.run("render", p.file)).exitCode, 0);
  await rm(path.join(p.dir, "out", "storyboard.mp4"));
  fake.requests.length = 0;
  const frozen = await p.run("render", p.file, "--frozen");
  assert.equal(frozen.exitCode, 0, frozen.stderr);
  assert.equal(submits() + uploads(), 0);
  assert.match(frozen.stdout, /storyboard\.mp4: 10\.0 s, 2 shots/);

  await writeFile(p.file, stringify(board("frozen changed")));
  const moved = await p.run("render", p.file, "--frozen");
  assert.equal(moved.exitCode, 2);
  assert.match(moved.stderr, /shot:one \(the storyboard changed since the lock\), shot:two/);
  await writeFile(p.file, stringify(board("frozen")));
  const lock = await p.lock();
  await rm(path.join(p.cache, "clips", `${lock.steps[1].key}.mp4`));
  const missing = await p.run("render", p.file, "--frozen");
  assert.equal(missing.exitCode, 2);
  assert.match(missing.stderr, /locked outputs missing from the cache \(or damaged\): shot:two/);
  assert.equal(submits() + uploads(), 0, "nothing was sent");
});

test("render.budget refuses at the right cent, names what is left, and the spend ledger sums what was paid", async () => {
  const p = await project(board("budget", { render: { budget: 0.69 } }));
  const over = await p.run("render", p.file);
  assert.equal(over.exitCode, 2);
  assert.match(over.stderr, /would spend \$0\.70, and its render\.budget of \$0\.69 has \$0\.69 left/);
  assert.equal(submits(), 0);
  await writeFile(p.file, stringify(board("budget", { render: { budget: 0.7 } })));
  assert.equal((await p.run("render", p.file)).exitCode, 0, "exactly the budget is allowed");
  const retake = await p.run("retake", p.file, "two");
  assert.equal(retake.exitCode, 2);
  assert.match(retake.stderr, /has \$0\.00 left \(\$0\.70 spent so far/);
  const spend = JSON.parse((await p.run("spend", "--json", "--cache-dir", p.cache)).stdout);
  assert.equal(spend.total, 0.7);
  assert.equal(spend.submits, 2);
  assert.equal(spend.rows[0].model, "fal-ai/kling-video/v2.6/pro/image-to-video");
  const text = await p.run("spend", p.file, "--cache-dir", p.cache);
  assert.match(text.stdout, /Total: \$0\.70 over 2 submits/);
});

test("cache gc frees exactly the unreachable bytes of a cache three storyboards share, and keeps every locked output", async () => {
  const p = await project(board("gc"));
  const boards = ["a", "b", "c"].map((n) => path.join(p.dir, `${n}.yaml`));
  for (const [i, file] of boards.entries()) await writeFile(file, stringify(board(`gc ${i}`)));
  for (const file of boards) assert.equal((await p.run("render", file, "--cache-dir", p.cache)).exitCode, 0);
  // c moves on: its old clips are locked nowhere once its lock is rewritten, and no storyboard reaches them.
  const before = parse(await readFile(path.join(p.dir, "c.lock.yaml"), "utf8"));
  await writeFile(boards[2]!, stringify(board("gc changed")));
  assert.equal((await p.run("render", boards[2]!, "--cache-dir", p.cache)).exitCode, 0);
  const unreachable = before.steps.reduce((t: number, s: { bytes: number }) => t + s.bytes, 0);
  const sidecars = await Promise.all(
    before.steps.map(
      async (s: { key: string }) => (await readFile(path.join(p.cache, "clips", `${s.key}.json`))).length,
    ),
  );
  const expected = unreachable + sidecars.reduce((a, b) => a + b, 0);
  // The old lock, kept aside (as from an older commit), keeps what it names.
  const old = path.join(p.dir, "old.lock.yaml");
  await writeFile(old, stringify(before));
  const keep = await p.run("cache", "gc", ...boards, old, "--cache-dir", p.cache, "--dry-run");
  assert.match(keep.stdout, /Would free 0 entries, 0 bytes/);
  // Paid outputs none of the storyboards given uses are kept (another project's, on a shared cache) unless --all.
  // The two outputs the changed storyboard paid for and no longer uses are its own (the ledger says so): no --all.
  const own = await p.run("cache", "gc", ...boards, "--cache-dir", p.cache, "--dry-run");
  assert.match(own.stdout, new RegExp(`Would free 2 entries, ${expected} bytes`));
  assert.doesNotMatch(own.stdout, /paid outputs no given storyboard uses/);
  const dry = await p.run("cache", "gc", ...boards, "--all", "--cache-dir", p.cache, "--dry-run");
  assert.match(dry.stdout, new RegExp(`Would free 2 entries, ${expected} bytes`));
  const gc = await p.run("cache", "gc", ...boards, "--all", "--cache-dir", p.cache);
  assert.match(gc.stdout, new RegExp(`Freed 2 entries, ${expected} bytes`));
  fake.requests.length = 0;
  for (const file of boards)
    assert.equal((await p.run("render", file, "--frozen", "--cache-dir", p.cache)).exitCode, 0);
  assert.equal(submits(), 0, "every locked output survived");
  const verify = await p.run("cache", "verify", "--cache-dir", p.cache);
  assert.match(verify.stdout, /6 of 6 entries intact/);
});

test("git: an older commit of the storyboard and its lock renders that commit's film again, byte for byte, for nothing", async () => {
  // Clips that differ with the prompt, so the recut is really another film.
  fake.setVideo((input) =>
    readFileSync(
      makeClip({ seconds: 5, audio: false, hue: String(input.prompt).includes("recut") ? 120 : 0 }),
    ),
  );
  after(() => fake.setVideo(undefined));
  const p = await project(board("git"));
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], {
      cwd: p.dir,
      stdio: "pipe",
    });
  git("init", "-q");
  await writeFile(path.join(p.dir, ".gitignore"), "out/\ncache/\n");
  assert.equal((await p.run("render", p.file)).exitCode, 0);
  const film = path.join(p.dir, "out", "storyboard.mp4");
  const original = await readFile(film);
  git("add", ".");
  git("commit", "-qm", "first cut");
  await writeFile(p.file, stringify(board("git recut")));
  assert.equal((await p.run("render", p.file)).exitCode, 0);
  git("commit", "-qam", "recut");
  assert.notDeepEqual(await readFile(film), original, "the recut is another film");
  git("checkout", "-q", "HEAD~1");
  fake.requests.length = 0;
  const again = await p.run("render", p.file, "--frozen");
  assert.equal(again.exitCode, 0, again.stderr);
  assert.equal(submits() + uploads(), 0);
  assert.deepEqual(await readFile(film), original, "the same bytes as the film rendered at that commit");
  assert.equal(git("status", "--porcelain").toString(), "", "the render left git clean");
});

test("cache gc frees the pieces of films no storyboard is joined from now, and keeps the current film's", async () => {
  const p = await project(board("pieces"));
  const crossfaded = (tag: string) => {
    const b = board(tag);
    b.shots[1] = { ...b.shots[1]!, transition: { type: "crossfade", duration: 0.5 } } as never;
    return stringify(b);
  };
  await writeFile(p.file, crossfaded("pieces"));
  const render = () => p.run("render", p.file, "--provider", "preview", "--cache-dir", p.cache);
  assert.equal((await render()).exitCode, 0);
  const pieces = async () =>
    (await readdir(path.join(p.cache, "segments"))).filter((f) => f.endsWith(".mp4"));
  const first = await pieces();
  assert.equal(first.length, 3, "stretch, window, stretch");
  // Shot two changes: its window and stretch are made again, and the old two belong to no film.
  await writeFile(p.file, crossfaded("pieces").replace("pieces two", "pieces two, again"));
  assert.equal((await render()).exitCode, 0);
  assert.equal((await pieces()).length, 5);
  const ls = await p.run("cache", "ls", p.file, "--provider", "preview", "--cache-dir", p.cache);
  assert.equal(ls.stdout.match(/^piece .* storyboard\.yaml film$/gm)?.length, 3, ls.stdout);
  const gc = await p.run("cache", "gc", p.file, "--provider", "preview", "--cache-dir", p.cache);
  assert.equal(gc.stdout.match(/^freed piece /gm)?.length, 2, gc.stdout);
  // The soundtrack's encoded chunks are the film's too. They are keyed by what was mixed into them, so the
  // chunks whose windows reach shot two were made again: the old ones belong to no film and are freed, every
  // chunk the film is joined from is kept.
  const audio = (await readdir(path.join(p.cache, "segments"))).filter((f) => f.endsWith(".aac"));
  assert.ok(audio.length > 0);
  assert.equal(ls.stdout.match(/^audio .* storyboard\.yaml film$/gm)?.length, audio.length, ls.stdout);
  const unreachable = ls.stdout.match(/^audio .*\(unreachable\)$/gm)?.length ?? 0;
  assert.equal(gc.stdout.match(/^freed audio /gm)?.length ?? 0, unreachable, gc.stdout);
  const kept = await pieces();
  assert.equal(kept.length, 3);
  assert.ok(
    first.some((f) => kept.includes(f)),
    "shot one's stretch is still the film's",
  );
  // The film is still up to date: nothing it is joined from was freed.
  assert.match((await render()).stdout, /up to date/);
});
