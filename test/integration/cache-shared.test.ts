// A cache shared by projects and by renders running at once: what `cache gc` may free, what `cache verify
// --repair` mends, and what a render, `export --collect` and `--frozen` refuse to trust.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, describe, test } from "node:test";
import { parse, stringify } from "yaml";
import { runInProcess, until } from "../../testkit/cli.js";
import { makeClip } from "../../testkit/clips.js";
import { FakeFal } from "../../testkit/fake-fal.js";
import { falEnv, TEST_FAL_KEY } from "../../testkit/fal-env.js";
import { makeProject } from "../helpers/project.js";
import { flipByte } from "../../testkit/cache-files.js";

const fakes: FakeFal[] = [];
after(() => Promise.all(fakes.map((f) => f.stop())));

const board = (tag: string) => ({
  version: 1,
  defaults: { audio: false },
  output: `out/${tag}.mp4`,
  shots: [
    { id: "one", image: "images/a.png", prompt: `${tag} one` },
    { id: "two", image: "images/a.png", prompt: `${tag} two` },
  ],
});

// Two storyboards, a.yaml and b.yaml, in one folder with one cache (as STORYREEL_CACHE_DIR shares one).
async function shared(latencyMs = 150) {
  const fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs }).start();
  fakes.push(fake);
  const p = await makeProject({ storyboard: board("a"), name: "a.yaml" });
  const b = path.join(p.dir, "b.yaml");
  await writeFile(b, stringify(board("b")));
  const cache = path.join(p.dir, "cache");
  const env = falEnv(fake, cache);
  const run = (...args: string[]) => runInProcess(args, { cwd: p.dir, env });
  const lock = async (file: string) =>
    parse(await readFile(file.replace(/\.yaml$/, ".lock.yaml"), "utf8")) as {
      steps: { id: string; key: string; sha256: string }[];
    };
  const clip = (key: string) => path.join(cache, "clips", `${key}.mp4`);
  const sidecar = (key: string) => path.join(cache, "clips", `${key}.json`);
  return { ...p, a: p.file, b, cache, env, run, fake, lock, clip, sidecar };
}

describe("a shared cache", { concurrency: 4 }, () => {
  test("cache gc during a render keeps what that render made and has not locked yet; a dead render's marker is ignored", async () => {
    const p = await shared(700);
    const render = p.run("render", p.b, "--concurrency", "1");
    // Shot one is in the cache, shot two still at fal: nothing locks shot one yet.
    await until(async () =>
      (await readdir(path.join(p.cache, "clips")).catch(() => [])).some((f) => f.endsWith(".json")),
    );
    const gc = await p.run("cache", "gc", p.a, "--all");
    assert.equal(gc.exitCode, 0, gc.stderr);
    assert.match(gc.stdout, /Freed 0 entries/);
    const r = await render;
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(p.fake.count("submit"), 2, "nothing was paid twice");
    // A render killed with -9 leaves its marker; its pid is gone, so it keeps nothing.
    const dead = Number(execFileSync("sh", ["-c", "echo $$"]).toString());
    const keys = (await p.lock(p.b)).steps.map((s) => s.key);
    const marker = path.join(p.cache, "renders", `${dead}-00000000.json`);
    await writeFile(
      marker,
      JSON.stringify({
        pid: dead,
        host: (await import("node:os")).hostname(),
        since: "",
        at: Date.now(),
        keys,
      }),
    );
    const freed = await p.run("cache", "gc", p.a, "--all", "--dry-run");
    assert.match(freed.stdout, /Would free 2 entries/);
    assert.ok(!existsSync(marker), "the dead render's marker is gone");
  });

  test("cache gc keeps another project's paid outputs unless --all, and says how many and what they cost", async () => {
    const p = await shared();
    assert.equal((await p.run("render", p.a)).exitCode, 0);
    assert.equal((await p.run("render", p.b)).exitCode, 0);
    const gc = await p.run("cache", "gc", p.a);
    assert.equal(gc.exitCode, 0, gc.stderr);
    assert.match(gc.stdout, /Freed 0 entries/);
    assert.match(
      gc.stdout,
      /Kept 2 paid outputs no given storyboard uses \(\$0\.70\).*pass --all to free them/,
    );
    const frozen = await runInProcess(["render", p.b, "--frozen", "--out", "out/b2.mp4"], {
      cwd: p.dir,
      env: { ...p.env, FAL_KEY: undefined },
    });
    assert.equal(frozen.exitCode, 0, frozen.stderr);
    // Free outputs (previews) are freed as before.
    assert.equal((await p.run("render", p.b, "--provider", "preview")).exitCode, 0);
    const preview = await p.run("cache", "gc", p.a, "--provider", "fal");
    assert.match(preview.stdout, /Freed 2 entries/);
    assert.match(preview.stdout, /Kept 2 paid outputs/);
    const all = await p.run("cache", "gc", p.a, "--all");
    assert.match(all.stdout, /Freed 2 entries/);
    assert.doesNotMatch(all.stdout, /paid outputs/);
    assert.equal(p.fake.count("submit"), 4);
  });

  test("cache gc frees what a given storyboard paid for and no longer uses (its ledger says so), and keeps the other project's", async () => {
    const p = await shared();
    assert.equal((await p.run("render", p.a)).exitCode, 0);
    assert.equal((await p.run("render", p.b)).exitCode, 0);
    await writeFile(
      p.a,
      stringify({ ...board("a"), shots: [{ ...board("a").shots[0]!, prompt: "a one, again" }] }),
    );
    assert.equal((await p.run("render", p.a)).exitCode, 0);
    const gc = await p.run("cache", "gc", p.a);
    assert.equal(gc.exitCode, 0, gc.stderr);
    assert.match(gc.stdout, /Freed 2 entries/, "a's two earlier clips");
    assert.match(gc.stdout, /Kept 2 paid outputs no given storyboard uses \(\$0\.70\)/, "b's two clips");
  });

  test("a journal entry left after its output was cached is cleared by cache gc and by plan", async () => {
    const p = await shared();
    assert.equal((await p.run("render", p.a)).exitCode, 0);
    assert.equal((await p.run("render", p.b)).exitCode, 0);
    const [a1] = (await p.lock(p.a)).steps;
    const [b1] = (await p.lock(p.b)).steps;
    const journal = (key: string) => path.join(p.cache, "journal", `${key}.json`);
    const entry = (key: string) => ({
      version: 1,
      key,
      shot: "one",
      endpoint: "fal-ai/kling-video/v2.6/pro/image-to-video",
      state: "submitted",
      request_id: "req-left-by-a-kill",
      input: {},
      submitted_at: new Date().toISOString(),
    });
    await mkdir(path.join(p.cache, "journal"), { recursive: true });
    await writeFile(journal(b1!.key), JSON.stringify(entry(b1!.key)));
    const gc = await p.run("cache", "gc", p.a, "--all");
    assert.match(gc.stdout, /Freed 2 entries/, "b's clip is no longer held as in flight");
    assert.ok(!existsSync(journal(b1!.key)));
    await writeFile(journal(a1!.key), JSON.stringify(entry(a1!.key)));
    assert.equal((await p.run("plan", p.a)).exitCode, 0);
    assert.ok(!existsSync(journal(a1!.key)), "plan saw it cached and intact");
  });

  test("a damaged clip is repaired: by the next render, by cache verify --repair; export --collect refuses it", async () => {
    const p = await shared();
    assert.equal((await p.run("render", p.a)).exitCode, 0);
    const [one, two] = (await p.lock(p.a)).steps;
    const original = await readFile(p.clip(one!.key));
    await flipByte(p.clip(one!.key));
    const verify = await p.run("cache", "verify");
    assert.equal(verify.exitCode, 1);
    assert.match(verify.stderr, /cache verify --repair/);
    // The film is up to date, and the render still mends what it is made of (for free).
    const r = await p.run("render", p.a);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /one: its cached clip was damaged; fetched it again from fal/);
    assert.deepEqual(await readFile(p.clip(one!.key)), original);
    // export --collect never copies damaged bytes.
    await flipByte(p.clip(two!.key));
    const collect = await p.run("export", p.a, "--format", "mlt", "--collect", "collected");
    assert.equal(collect.exitCode, 1, collect.stderr);
    assert.match(
      collect.stderr,
      /--collect: the cache's copies of two \(sha256 differs from the sidecar\) are damaged/,
    );
    assert.ok(!existsSync(path.join(p.dir, "collected")));
    const repair = await p.run("cache", "verify", "--repair");
    assert.equal(repair.exitCode, 0, repair.stderr);
    assert.match(repair.stdout, /repaired clip [0-9a-f]{16}: fetched again from the URL fal served it at/);
    assert.match(repair.stdout, /Repaired 1 of 1 damaged entry/);
    assert.equal((await p.run("cache", "verify")).exitCode, 0);
    assert.equal((await p.run("export", p.a, "--format", "mlt", "--collect", "collected")).exitCode, 0);
    // Where fal no longer serves it, a paid clip is named with what making it again costs.
    const side = JSON.parse(await readFile(p.sidecar(two!.key), "utf8"));
    await writeFile(
      p.sidecar(two!.key),
      JSON.stringify({ ...side, video_url: `${p.fake.url}/files/gone/x.mp4` }),
    );
    await flipByte(p.clip(two!.key));
    const stuck = await p.run("cache", "verify", "--repair");
    assert.equal(stuck.exitCode, 1);
    assert.match(
      stuck.stdout,
      /could not repair clip .*fal no longer serves it.*pays \$0\.35 to make it again/,
    );
    assert.equal(p.fake.count("submit"), 2, "nothing was paid again");
    // Free ones are removed, to be made again by the next render (for nothing).
    assert.equal((await p.run("render", p.b, "--provider", "preview")).exitCode, 0);
    const previews = (await readdir(path.join(p.cache, "clips"))).filter((f) => f.endsWith(".json"));
    const free = previews.map((f) => f.slice(0, -5)).find((k) => k !== one!.key && k !== two!.key)!;
    await flipByte(p.clip(free));
    const removed = await p.run("cache", "verify", "--repair");
    assert.match(removed.stdout, /removed: it cost nothing, and the next render that uses it makes it again/);
    assert.ok(!existsSync(p.clip(free)));
  });

  test("a damaged clip fal no longer serves is removed before anything is priced and made again, once, in one plan", async () => {
    const p = await shared();
    assert.equal((await p.run("render", p.a)).exitCode, 0);
    const [, two] = (await p.lock(p.a)).steps;
    const side = JSON.parse(await readFile(p.sidecar(two!.key), "utf8"));
    await writeFile(
      p.sidecar(two!.key),
      JSON.stringify({ ...side, video_url: `${p.fake.url}/files/gone/x.mp4` }),
    );
    await flipByte(p.clip(two!.key));
    // The film is joined again (its file is gone), so it needs shot two's clip.
    const film = path.join(p.dir, JSON.parse((await p.run("plan", p.a, "--json")).stdout).output);
    await rm(film);
    const r = await p.run("render", p.a, "--json");
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /Damaged cached clips were removed and will be generated again: two/);
    assert.equal(p.fake.count("submit"), 3, "shot two is paid for again, once");
    const summaries = r.stdout.split("\n").filter((l) => l.includes('"type":"summary"'));
    assert.equal(summaries.length, 1, "one plan, one generation");
    assert.ok(existsSync(film));
  });

  test("a clip and sidecar copied under another key are not used for that shot", async () => {
    const p = await shared();
    // Each prompt its own clip, so shot one's bytes are not shot two's.
    const hues = new Map<string, number>();
    p.fake.setVideo((input) => {
      const hue = hues.get(String(input.prompt)) ?? hues.size * 40;
      hues.set(String(input.prompt), hue);
      return readFileSync(makeClip({ seconds: 5, audio: false, hue }));
    });
    assert.equal((await p.run("render", p.a)).exitCode, 0);
    const [one, two] = (await p.lock(p.a)).steps;
    await writeFile(p.clip(two!.key), await readFile(p.clip(one!.key)));
    await writeFile(p.sidecar(two!.key), await readFile(p.sidecar(one!.key)));
    const verify = await p.run("cache", "verify");
    assert.equal(verify.exitCode, 1);
    assert.match(verify.stdout, new RegExp(`damaged: clip ${two!.key}: its sidecar is for another key`));
    const r = await p.run("render", p.a, "--out", "out/again.mp4");
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(p.fake.count("submit"), 3, "shot two was made again, not taken from shot one");
    assert.equal(JSON.parse(await readFile(p.sidecar(two!.key), "utf8")).key, two!.key);
    // A sidecar edited to claim the key: the lock's sha256 says it is not shot two's clip. Nothing is used,
    // deleted or paid: the render stops before any work.
    const real = (await p.lock(p.a)).steps[1]!;
    const side = JSON.parse(await readFile(p.sidecar(one!.key), "utf8"));
    assert.notEqual(real.sha256, side.sha256);
    await writeFile(p.clip(two!.key), await readFile(p.clip(one!.key)));
    await writeFile(p.sidecar(two!.key), JSON.stringify({ ...side, key: two!.key }));
    const again = await p.run("render", p.a, "--out", "out/third.mp4");
    assert.equal(again.exitCode, 2, again.stderr);
    assert.match(
      again.stderr,
      new RegExp(
        `a\\.lock\\.yaml names sha256 ${real.sha256.slice(0, 12)}… for shot:two, and the cache holds ${side.sha256.slice(0, 12)}…`,
      ),
    );
    assert.match(again.stderr, /Nothing was rendered/);
    assert.ok(!existsSync(path.join(p.dir, "out", "third.mp4")));
    assert.equal(p.fake.count("submit"), 3);
    assert.ok(existsSync(p.clip(two!.key)), "nothing was deleted");
    // cache verify --repair: a clip moved (not copied) under another name goes back under its own key.
    const stray = "f".repeat(64);
    await rename(p.clip(one!.key), p.clip(stray));
    await rename(p.sidecar(one!.key), p.sidecar(stray));
    const repair = await p.run("cache", "verify", "--repair");
    assert.match(
      repair.stdout,
      new RegExp(`repaired clip ffffffffffffffff: moved to ${one!.key.slice(0, 16)}, whose output it is`),
    );
    assert.ok(existsSync(p.clip(one!.key)) && !existsSync(p.clip(stray)));
  });

  test("--frozen with a damaged sidecar exits 2 before any work, naming the step and what is wrong", async () => {
    const p = await shared();
    assert.equal((await p.run("render", p.a)).exitCode, 0);
    const [, two] = (await p.lock(p.a)).steps;
    await writeFile(p.sidecar(two!.key), "{ not json");
    const r = await runInProcess(["render", p.a, "--frozen", "--out", "out/ci.mp4"], {
      cwd: p.dir,
      env: { ...p.env, FAL_KEY: undefined },
    });
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(
      r.stderr,
      /shot:two \(its sidecar cache\/clips\/[0-9a-f]{64}\.json is damaged \(not JSON\)\)/,
    );
    assert.doesNotMatch(r.stderr, /--offline/);
    assert.ok(!existsSync(path.join(p.dir, "out", "ci.mp4")));
    assert.equal(await readFile(p.sidecar(two!.key), "utf8"), "{ not json", "nothing was touched");
  });
});
