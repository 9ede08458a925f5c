// `storyreel studio` in process on 127.0.0.1: every request without the token, from another origin or host, or
// for a path outside the project is refused; render asks before paying with fal; pick, retake and edit change the
// lock and the YAML on disk; a save from outside reaches the page within a second; Ctrl-C stops a render.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdir, readFile, rename, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { parse } from "yaml";
import { listFiles, tempDir } from "../../testkit/cli.js";
import { FakeFal } from "../../testkit/fake-fal.js";
import { falEnv, TEST_FAL_KEY } from "../../testkit/fal-env.js";
import { TINY_PREVIEWS } from "../../testkit/tiny-provider.js";
import { makeProject } from "../helpers/project.js";
import { openStudio, type Studio } from "../helpers/studio.js";

let fake: FakeFal;
before(async () => (fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 300 }).start()));
after(() => fake.stop());

// Two silent 5 s shots; a comment the edits must keep.
const YAML = (tag: string, extra = "") => `# ${tag}: a comment the studio keeps
version: 1
defaults:
  audio: false # silent
shots:
  - id: one
    image: images/a.png
    prompt: ${tag} one${extra}
  # the second shot
  - id: two
    image: images/a.png
    prompt: ${tag} two
`;

async function project(tag: string, extra = "") {
  const p = await makeProject({ storyboard: {} });
  await writeFile(p.file, YAML(tag, extra));
  const cache = path.join(p.dir, "cache");
  const lock = async () =>
    parse(await readFile(path.join(p.dir, "storyboard.lock.yaml"), "utf8")) as {
      steps: Array<{ id: string; take: number; takes: number; picked?: boolean }>;
    };
  return { ...p, cache, lock };
}

async function previewStudio(tag: string, extra = "") {
  const p = await project(tag, extra);
  const studio = await openStudio([p.file, "--provider", "preview", "--cache-dir", p.cache], {
    cwd: p.dir,
    env: { ...TINY_PREVIEWS },
  });
  return { p, studio };
}

function noKey(studio: Studio) {
  for (const body of studio.bodies) assert.ok(!body.includes(TEST_FAL_KEY), "a response carries FAL_KEY");
}

test("without the token, from another origin or host, or with the token only in the query, nothing is done", async () => {
  const { p, studio } = await previewStudio("guards");
  try {
    assert.equal((await studio.get("/api/view", {})).status, 403);
    assert.equal((await studio.get("/api/view", { "X-Storyreel-Token": "wrong" })).status, 403);
    assert.equal((await studio.get(`/api/view?token=${studio.token}x`, {})).status, 403);
    const page = await studio.get(`/?token=${studio.token}`, {});
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-security-policy")!, /script-src 'self'/);
    assert.ok(
      page.text.includes(`studio.js?token=${studio.token}`),
      "the page's script URL carries the token",
    );
    assert.equal((await studio.get("/api/view")).status, 200);
    // DNS rebinding: a name that resolves to 127.0.0.1 is still another host.
    assert.equal((await studio.raw("/api/view", { Host: `evil.example:${studio.port}` })).status, 403);
    assert.equal((await studio.raw("/api/view", { Host: `localhost:${studio.port}` })).status, 200);
    const refused = [
      await studio.post(
        "/api/render",
        {},
        { "X-Storyreel-Token": studio.token, Origin: "http://evil.example" },
      ),
      await studio.post("/api/render", {}, { "X-Storyreel-Token": studio.token }),
      await studio.post(`/api/render?token=${studio.token}`, {}, { Origin: studio.base }),
      await studio.post("/api/pick", { id: "one", take: 1 }, { Origin: studio.base }),
    ];
    assert.deepEqual(
      refused.map((r) => r.status),
      [403, 403, 403, 403],
    );
    assert.match(refused[0]!.json.error!, /refused/);
    // Nothing rendered, nothing locked.
    assert.deepEqual(await listFiles(p.cache), []);
    assert.deepEqual((await listFiles(p.dir)).sort(), ["images/a.png", "storyboard.yaml"]);
  } finally {
    await studio.stop();
  }
});

test("files: only under the project or the cache, whatever the path says; ranges for seeking", async () => {
  const { p, studio } = await previewStudio("files");
  const outside = await tempDir("storyreel-outside-");
  await writeFile(path.join(outside, "secret.png"), "not for the page");
  await symlink(path.join(outside, "secret.png"), path.join(p.dir, "images", "link.png"));
  await mkdir(path.join(p.dir, "sub"));
  await symlink(outside, path.join(p.dir, "sub", "out"));
  try {
    const image = readFileSync(path.join(p.dir, "images", "a.png"));
    const whole = await studio.raw("/files/project/images/a.png");
    assert.equal(whole.status, 200);
    for (const bad of [
      "/files/project/../storyboard.yaml",
      "/files/project/images/../../x.png",
      "/files/project/%2e%2e/x.png",
      "/files/project/images%2f..%2f..%2fx.png",
      `/files/project/${encodeURIComponent(path.join(outside, "secret.png"))}`,
      `/files/project/${path.join(outside, "secret.png")}`,
      "/files/project/images/link.png",
      "/files/project/sub/out/secret.png",
      "/files/project/images",
      "/files/project/storyboard.yaml",
      "/files/cache/../images/a.png",
      "/files/project/images/a.png%00.png",
    ])
      assert.equal((await studio.raw(bad)).status, 404, bad);
    const r = await fetch(`${studio.base}/files/project/images/a.png?token=${studio.token}`, {
      headers: { Range: "bytes=8-15" },
    });
    assert.equal(r.status, 206);
    assert.equal(r.headers.get("content-range"), `bytes 8-15/${image.length}`);
    assert.equal(r.headers.get("content-type"), "image/png");
    assert.equal(r.headers.get("x-content-type-options"), "nosniff");
    assert.deepEqual(Buffer.from(await r.arrayBuffer()), image.subarray(8, 16));
  } finally {
    await studio.stop();
  }
});

test("with fal, render asks first (409, nothing submitted), then renders on confirm; FAL_KEY reaches no response", async () => {
  const p = await project("confirm");
  fake.requests.length = 0;
  const studio = await openStudio([p.file, "--cache-dir", p.cache], {
    cwd: p.dir,
    env: falEnv(fake, p.cache),
  });
  try {
    const events = await studio.events();
    const first = await studio.post("/api/render", {});
    assert.equal(first.status, 409);
    assert.ok(first.json.confirm!.cost > 0);
    assert.match(first.json.confirm!.text, /^This render would spend \$\d+\.\d\d on 2 clips: render\?$/);
    assert.equal(fake.count("submit"), 0);
    // A confirmation without the price it agreed to, or at another price, is asked again.
    assert.equal((await studio.post("/api/render", { confirm: true })).status, 409);
    const other = await studio.post("/api/render", { confirm: true, cost: first.json.confirm!.cost + 1 });
    assert.equal(other.status, 409);
    assert.equal(other.json.confirm!.cost, first.json.confirm!.cost);
    assert.equal(fake.count("submit"), 0);
    const second = await studio.post("/api/render", { confirm: true, cost: first.json.confirm!.cost });
    assert.equal(second.status, 202);
    const busy = await studio.post("/api/render", { confirm: true, cost: first.json.confirm!.cost });
    assert.equal(busy.status, 409);
    const ended = await events.next((e) => e.event === "render" && e.data.state === "ended", 60_000);
    assert.equal(ended.data.ok, true, ended.data.error);
    assert.equal(fake.count("submit"), 2);
    const done = events.seen.filter(
      (e) => e.event === "progress" && e.data.type === "shot" && e.data.state === "done",
    );
    assert.deepEqual(done.map((e) => e.data.shot).sort(), ["one", "two"]);
    assert.ok(events.seen.some((e) => e.event === "progress" && e.data.type === "summary"));
    const view = await events.next(
      (e) => e.event === "view" && !e.data.rendering && e.data.film?.exists === true,
    );
    assert.deepEqual(
      view.data.shots!.map((s) => s.status),
      ["cached", "cached"],
    );
    const clip = await studio.get(view.data.shots![0]!.takes[0]!.url!);
    assert.equal(clip.status, 200);
    // A retake asks too, before the lock is touched.
    const lockText = await readFile(path.join(p.dir, "storyboard.lock.yaml"), "utf8");
    const retake = await studio.post("/api/retake", { id: "two" });
    assert.equal(retake.status, 409);
    assert.match(
      retake.json.confirm!.text,
      /^This retake would spend \$\d+\.\d\d on one more take of two: render\?$/,
    );
    assert.equal(await readFile(path.join(p.dir, "storyboard.lock.yaml"), "utf8"), lockText);
    const from = events.seen.length;
    const cost = retake.json.confirm!.cost;
    assert.equal((await studio.post("/api/retake", { id: "two", confirm: true, cost })).status, 202);
    const again = await events.next((e) => e.event === "render" && e.data.state === "ended", 60_000, from);
    assert.equal(again.data.ok, true, again.data.error);
    assert.equal(fake.count("submit"), 3);
    assert.equal((await p.lock()).steps.find((s) => s.id === "shot:two")!.takes, 2);
    events.close();
    noKey(studio);
  } finally {
    await studio.stop();
  }
});

test("a render over --max-cost is refused before any submit: the render ends with ok false and the reason", async () => {
  const p = await project("max-cost");
  fake.requests.length = 0;
  const studio = await openStudio([p.file, "--cache-dir", p.cache, "--max-cost", "0.10"], {
    cwd: p.dir,
    env: falEnv(fake, p.cache),
  });
  try {
    const events = await studio.events();
    const asked = await studio.post("/api/render", {});
    const cost = asked.json.confirm!.cost;
    assert.equal((await studio.post("/api/render", { confirm: true, cost })).status, 202);
    const ended = await events.next((e) => e.event === "render" && e.data.state === "ended", 30_000);
    assert.equal(ended.data.ok, false);
    assert.match(ended.data.error!, /more than --max-cost \$0\.10/);
    assert.equal(fake.count("submit"), 0);
    events.close();
  } finally {
    await studio.stop();
  }
});

test("with preview, render needs no confirmation; retake and pick change the lock on disk", async () => {
  const { p, studio } = await previewStudio("takes");
  try {
    const events = await studio.events();
    assert.equal((await studio.post("/api/render", {})).status, 202);
    await events.next((e) => e.event === "render" && e.data.state === "ended" && e.data.ok === true, 60_000);
    const from = events.seen.length;
    const retake = await studio.post("/api/retake", { id: "one" });
    assert.equal(retake.status, 202, JSON.stringify(retake.json));
    await events.next(
      (e) => e.event === "render" && e.data.state === "ended" && e.data.ok === true,
      60_000,
      from,
    );
    assert.equal((await p.lock()).steps.find((s) => s.id === "shot:one")!.take, 1);
    const bad = await studio.post("/api/pick", { id: "one", take: 3 });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error!, /has 2 takes, so there is no take 3/);
    assert.equal((await studio.post("/api/pick", { id: "nine", take: 1 })).status, 400);
    const pick = await studio.post("/api/pick", { id: "one", take: 2 });
    assert.equal(pick.status, 200);
    const locked = (await p.lock()).steps.find((s) => s.id === "shot:one")!;
    assert.deepEqual([locked.take, locked.picked], [2, true]);
    const shot = pick.json.view!.shots.find((s) => s.id === "one")!;
    assert.deepEqual(
      shot.takes.map((t) => [t.used, Boolean(t.url)]),
      [
        [false, true],
        [true, true],
      ],
    );
    events.close();
  } finally {
    await studio.stop();
  }
});

test("edit writes the YAML with its comments, refuses a stale base (409) and an invalid value (400)", async () => {
  const { p, studio } = await previewStudio("edit");
  try {
    const view = JSON.parse((await studio.get("/api/view")).text);
    const before = await readFile(p.file, "utf8");
    const invalid = await studio.post("/api/edit", {
      base: view.hash,
      edits: [{ shot: "one", field: "duration", value: -3 }],
    });
    assert.equal(invalid.status, 400);
    assert.ok(
      invalid.json.errors!.length > 0 && invalid.json.errors![0]!.line! > 0,
      JSON.stringify(invalid.json),
    );
    assert.equal(await readFile(p.file, "utf8"), before);
    const stale = await studio.post("/api/edit", {
      base: "0".repeat(64),
      edits: [{ shot: "one", field: "prompt", value: "never written" }],
    });
    assert.deepEqual([stale.status, stale.json.stale], [409, true]);
    assert.equal(await readFile(p.file, "utf8"), before);
    const edit = await studio.post("/api/edit", {
      base: view.hash,
      edits: [{ shot: "two", field: "prompt", value: "a new prompt" }],
    });
    assert.equal(edit.status, 200, JSON.stringify(edit.json));
    const after = await readFile(p.file, "utf8");
    assert.equal(after, before.replace("prompt: edit two", "prompt: a new prompt"));
    assert.notEqual(edit.json.hash, view.hash);
    assert.equal(edit.json.view!.hash, edit.json.hash);
    assert.equal(edit.json.view!.shots[1]!.prompt, "a new prompt");
    // Two edits at once from one base: they take turns, so the second finds the file changed and writes nothing.
    const both = await Promise.all(
      ["one", "two"].map((shot) =>
        studio.post("/api/edit", {
          base: edit.json.hash,
          edits: [{ shot, field: "prompt", value: `${shot} at once` }],
        }),
      ),
    );
    assert.deepEqual(both.map((r) => r.status).sort(), [200, 409]);
    const once = await readFile(p.file, "utf8");
    assert.equal(
      once.includes("one at once") !== once.includes("two at once"),
      true,
      "exactly one was written",
    );
    // A request target the URL parser refuses is a 400, not a crash.
    assert.equal((await studio.raw("http://[/x")).status, 400);
  } finally {
    await studio.stop();
  }
});

test("a storyboard saved from outside reaches the page as a view within a second; an invalid one keeps the last good view", async () => {
  const { p, studio } = await previewStudio("watch");
  try {
    const events = await studio.events();
    await events.next((e) => e.event === "view");
    const saved = Date.now();
    // As an editor saves: a temp file renamed over the storyboard.
    await writeFile(`${p.file}.tmp`, YAML("watch", " at dusk"));
    await rename(`${p.file}.tmp`, p.file);
    const changed = await events.next(
      (e) => e.event === "view" && e.data.shots?.[0]?.prompt === "watch one at dusk",
      5000,
    );
    assert.ok(changed.at - saved < 1000, `the view came ${changed.at - saved} ms after the save`);
    await writeFile(p.file, YAML("watch").replace("prompt: watch two", "prompt: [unclosed"));
    const invalid = await events.next((e) => e.event === "view" && e.data.valid === false, 5000);
    assert.ok(invalid.data.problems![0]!.line > 0);
    assert.equal(invalid.data.shots![0]!.prompt, "watch one at dusk");
    events.close();
  } finally {
    await studio.stop();
  }
});

test("Ctrl-C stops a running render as render's Ctrl-C does (the paid clip collected), then closes the server", async () => {
  const p = await project("ctrl-c");
  fake.requests.length = 0;
  const studio = await openStudio([p.file, "--cache-dir", p.cache, "--concurrency", "1"], {
    cwd: p.dir,
    env: falEnv(fake, p.cache),
  });
  const events = await studio.events();
  const { cost } = (await studio.post("/api/render", {})).json.confirm!;
  assert.equal((await studio.post("/api/render", { confirm: true, cost })).status, 202);
  await fake.until(() => fake.count("submit") === 1);
  const result = await studio.stop();
  assert.equal(result.exitCode, 0, result.stderr);
  // The one submit was collected; the other shot was never submitted.
  assert.equal(fake.count("submit"), 1);
  const clips = (await listFiles(path.join(p.cache, "clips"))).filter((f) => f.endsWith(".mp4"));
  assert.equal(clips.length, 1);
  const ended = await events.next((e) => e.event === "render" && e.data.state === "ended", 5000);
  assert.equal(ended.data.ok, false);
  await assert.rejects(fetch(`${studio.base}/api/view`, { headers: { "X-Storyreel-Token": studio.token } }));
  noKey(studio);
});
