// Shots on four video models, rendered by the built CLI against the fake fal (which checks every input against
// the schema fal publishes for its endpoint, as fal does): each payload exactly as its model's page describes
// it, the plan's cost to the cent of the published prices, each shot's model and mode in the report and the
// contact sheet; changing one shot's model makes that clip alone again; and a storyboard a model refuses exits
// 2 at its line and column, with nothing sent to fal and nothing written.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { listFiles, REPO, storyreel, tempDir } from "../../testkit/cli.js";
import { FakeFal } from "../../testkit/fake-fal.js";
import { falEnv, TEST_FAL_KEY } from "../../testkit/fal-env.js";
import { probe } from "../../testkit/ffprobe.js";
import { solidPng } from "../helpers/png.js";

let fake: FakeFal;
before(async () => (fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 100 }).start()));
after(() => fake.stop());

// Kling 2.6 (the default model) from an image; Veo 3.1 from an image with sound at 1080p; Veo 3.1 Fast from
// text alone; Kling O3 from two references, a still and a file. No shot continues another, so a change to one
// shot's model makes that shot alone.
const BOARD = `version: 1
title: Four models
output: out/models.mp4
stills:
  keeper:
    prompt: an old lighthouse keeper in a yellow oilskin, portrait
shots:
  - id: tower
    image: images/lighthouse.png
    prompt: the lighthouse at dusk, waves below
    audio: false
  - id: warning
    model: veo-3.1
    image: images/lighthouse.png
    prompt: 'The keeper looks up and says: "The light must not go out tonight."'
    duration: 8
    audio: true
    resolution: 1080p
  - id: storm
    model: veo-3.1-fast
    prompt: black waves break over the rocks at night
    duration: 4
    audio: false
  - id: meeting
    model: kling-o3-pro
    references: [keeper, images/boy.png]
    prompt: '@keeper hands @boy the lantern'
    duration: 5
`;

// The prices in the model files' rules, per shot, and the still's (models/images/flux-1-dev.json).
const PRICES = {
  // FLUX.1 [dev]: $0.025 per megapixel; 1280 x 720 = 0.92 MP -> $0.023, $0.02 to the cent.
  keeper: 0.02,
  // kling-2.6-pro.json, rule { audio: false, per_second: 0.07 }: 5 s x $0.07.
  tower: 0.35,
  // veo-3.1.json, rule { resolution: [720p, 1080p], audio: true, per_second: 0.4 }: 8 s x $0.40.
  warning: 3.2,
  // veo-3.1-fast.json, rule { resolution: [720p, 1080p], audio: false, per_second: 0.1 } at its default 720p: 4 s x $0.10.
  storm: 0.4,
  // kling-o3-pro.json, rule { per_second: 0.42 }: 5 s x $0.42.
  meeting: 2.1,
};
// kling-3.0-pro.json, rule { audio: false, per_second: 0.224 }: 5 s x $0.224.
const TOWER_ON_KLING_3 = 1.12;
const FILM_SECONDS = 5 + 8 + 4 + 5;

async function project(text: string, extra: Record<string, string> = {}) {
  const dir = await tempDir("storyreel-models-");
  await mkdir(path.join(dir, "images"));
  await writeFile(path.join(dir, "images", "lighthouse.png"), solidPng(480, 320, [200, 80, 40]));
  await writeFile(path.join(dir, "images", "boy.png"), solidPng(320, 480, [40, 160, 80]));
  await writeFile(path.join(dir, "images", "girl.png"), solidPng(320, 480, [160, 40, 80]));
  for (const [file, body] of Object.entries(extra)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), body);
  }
  await writeFile(path.join(dir, "storyboard.yaml"), text);
  const env = falEnv(fake, path.join(dir, "cache"));
  const run = (...args: string[]) => storyreel([...args, "storyboard.yaml"], { cwd: dir, env });
  return { dir, run };
}

function forget(): void {
  fake.requests.length = 0;
  fake.jobs.clear();
}

const submits = () =>
  fake.requests
    .filter((r) => r.route === "submit")
    .map((r) => ({ endpoint: new URL(r.target).pathname.slice(1), input: JSON.parse(r.body) }));

function submitTo(endpoint: string): Record<string, unknown> {
  const found = submits().filter((s) => s.endpoint === endpoint);
  assert.equal(found.length, 1, `one submit to ${endpoint}`);
  return found[0]!.input;
}

// The bytes behind a URL the fake's storage handed out: the request carried that file, not another.
async function served(url: unknown): Promise<Buffer> {
  assert.match(String(url), new RegExp(`^${fake.url}/files/u\\d+/`), "a URL fake fal's storage handed out");
  return Buffer.from(await (await fetch(String(url))).arrayBuffer());
}

// The schema fal publishes for a mode, as its model file keeps it.
function schemaOf(family: string, mode: string) {
  const file = JSON.parse(readFileSync(path.join(REPO, "models", "video", `${family}.json`), "utf8"));
  return file.modes[mode].schema as { properties: Record<string, { default?: unknown }> };
}

function assertOnlySchemaFields(input: Record<string, unknown>, family: string, mode: string): void {
  const known = Object.keys(schemaOf(family, mode).properties);
  for (const field of Object.keys(input)) assert.ok(known.includes(field), `${family} ${mode} has ${field}`);
}

let rendered: Awaited<ReturnType<typeof project>> | undefined;

test("four models in one film: each payload exactly as its schema asks, the plan at the published prices, the model and mode reported", async () => {
  forget();
  const p = await project(BOARD);
  const planned = await p.run("plan", "--provider", "fal", "--json");
  assert.equal(planned.exitCode, 0, planned.stderr);
  const plan = JSON.parse(planned.stdout);
  const cost = (id: string) => plan.steps.find((s: { name: string }) => s.name === id).cost;
  for (const [id, price] of Object.entries(PRICES)) assert.equal(cost(id), price, id);
  assert.equal(plan.cost.film, 6.07);
  assert.equal(plan.cost.new, 6.07);
  assert.deepEqual(
    plan.shots.map((s: { id: string; model: string; mode: string; endpoint: string }) => [
      s.id,
      s.model,
      s.mode,
      s.endpoint,
    ]),
    [
      ["tower", "kling-2.6-pro", "image-to-video", "fal-ai/kling-video/v2.6/pro/image-to-video"],
      ["warning", "veo-3.1", "image-to-video", "fal-ai/veo3.1/image-to-video"],
      ["storm", "veo-3.1-fast", "text-to-video", "fal-ai/veo3.1/fast"],
      ["meeting", "kling-o3-pro", "reference-to-video", "fal-ai/kling-video/o3/pro/reference-to-video"],
    ],
  );
  assert.equal(fake.requests.length, 0, "planning asks fal nothing");

  const run = await p.run("render");
  assert.equal(run.exitCode, 0, run.stderr);
  assert.equal(submits().length, 5, "one still and four clips");

  const tower = submitTo("fal-ai/kling-video/v2.6/pro/image-to-video");
  const lighthouse = await readFile(path.join(p.dir, "images", "lighthouse.png"));
  assert.deepEqual(await served(tower.start_image_url), lighthouse);
  assert.deepEqual(tower, {
    prompt: "the lighthouse at dusk, waves below",
    start_image_url: tower.start_image_url,
    duration: "5",
    negative_prompt: "blur, distort, and low quality",
    generate_audio: false,
  });

  const warning = submitTo("fal-ai/veo3.1/image-to-video");
  assert.equal(warning.image_url, tower.start_image_url, "the same file is uploaded once");
  assert.deepEqual(warning, {
    prompt: 'The keeper looks up and says: "The light must not go out tonight."',
    image_url: tower.start_image_url,
    duration: "8s",
    resolution: "1080p",
    generate_audio: true,
  });

  // No resolution: fal makes its default, the 720p the plan priced.
  assert.deepEqual(submitTo("fal-ai/veo3.1/fast"), {
    prompt: "black waves break over the rocks at night",
    duration: "4s",
    aspect_ratio: "16:9",
    generate_audio: false,
  });
  assert.equal(schemaOf("veo-3.1-fast", "text-to-video").properties.resolution?.default, "720p");

  const meeting = submitTo("fal-ai/kling-video/o3/pro/reference-to-video");
  const urls = meeting.image_urls as string[];
  assert.equal(urls.length, 2);
  const flux = [...fake.jobs.values()].find((j) => j.endpoint === "fal-ai/flux-1/dev")!;
  const keeper = Buffer.from(await (await fetch(`${fake.url}/images/${flux.id}.png`)).arrayBuffer());
  assert.deepEqual(await served(urls[0]), keeper, "the keeper's still first");
  assert.deepEqual(
    await served(urls[1]),
    await readFile(path.join(p.dir, "images", "boy.png")),
    "then boy.png",
  );
  assert.deepEqual(meeting, {
    prompt: "@Image1 hands @Image2 the lantern",
    image_urls: urls,
    duration: "5",
    aspect_ratio: "16:9",
    generate_audio: true,
  });

  assertOnlySchemaFields(tower, "kling-2.6-pro", "image-to-video");
  assertOnlySchemaFields(warning, "veo-3.1", "image-to-video");
  assertOnlySchemaFields(submitTo("fal-ai/veo3.1/fast"), "veo-3.1-fast", "text-to-video");
  assertOnlySchemaFields(meeting, "kling-o3-pro", "reference-to-video");

  const film = path.join(p.dir, "out", "models.mp4");
  assert.ok(Math.abs((await probe(film)).duration - FILM_SECONDS) < 0.1, "a film of the four clips");
  const report = JSON.parse(await readFile(path.join(p.dir, "out", "models.report.json"), "utf8"));
  assert.deepEqual(
    report.shots.map((s: { id: string; family: string; mode: string; model: string; cost: number }) => [
      s.id,
      s.family,
      s.mode,
      s.model,
      s.cost,
    ]),
    [
      ["tower", "kling-2.6-pro", "image-to-video", "fal-ai/kling-video/v2.6/pro/image-to-video", 0.35],
      ["warning", "veo-3.1", "image-to-video", "fal-ai/veo3.1/image-to-video", 3.2],
      ["storm", "veo-3.1-fast", "text-to-video", "fal-ai/veo3.1/fast", 0.4],
      ["meeting", "kling-o3-pro", "reference-to-video", "fal-ai/kling-video/o3/pro/reference-to-video", 2.1],
    ],
  );
  assert.equal(report.cost.spent, 6.07);
  const sheet = await readFile(path.join(p.dir, "out", "models.html"), "utf8");
  for (const shown of [
    "kling-2.6-pro · image-to-video",
    "veo-3.1 · image-to-video",
    "veo-3.1-fast · text-to-video",
    "kling-o3-pro · reference-to-video",
  ])
    assert.ok(sheet.includes(shown), `the contact sheet says ${shown}`);
  rendered = p;
});

test("changing one shot's model makes that clip alone again; the others are cached", async () => {
  assert.ok(rendered, "the four-model film rendered");
  const p = rendered;
  forget();
  const changed = BOARD.replace(
    "  - id: tower\n    image:",
    "  - id: tower\n    model: kling-3.0-pro\n    image:",
  );
  await writeFile(path.join(p.dir, "storyboard.yaml"), changed);
  const planned = await p.run("plan", "--provider", "fal", "--json");
  assert.equal(planned.exitCode, 0, planned.stderr);
  const plan = JSON.parse(planned.stdout);
  assert.deepEqual(
    plan.steps.map((s: { name: string; status: string }) => [s.name, s.status]),
    [
      ["keeper", "cached"],
      ["tower", "generate"],
      ["warning", "cached"],
      ["storm", "cached"],
      ["meeting", "cached"],
    ],
  );
  assert.equal(plan.cost.new, TOWER_ON_KLING_3);
  assert.equal(plan.cost.film, 6.84, "$6.07 with tower at $1.12 instead of $0.35");

  const run = await p.run("render");
  assert.equal(run.exitCode, 0, run.stderr);
  assert.equal(submits().length, 1, "one clip request, nothing else");
  const tower = submitTo("fal-ai/kling-video/v3/pro/image-to-video");
  assert.deepEqual(
    await served(tower.start_image_url),
    await readFile(path.join(p.dir, "images", "lighthouse.png")),
  );
  assert.deepEqual(tower, {
    prompt: "the lighthouse at dusk, waves below",
    start_image_url: tower.start_image_url,
    duration: "5",
    negative_prompt: "blur, distort, and low quality",
    generate_audio: false,
  });
  assertOnlySchemaFields(tower, "kling-3.0-pro", "image-to-video");
  const report = JSON.parse(await readFile(path.join(p.dir, "out", "models.report.json"), "utf8"));
  assert.deepEqual(
    report.shots.map((s: { id: string; family: string; status: string }) => [s.id, s.family, s.status]),
    [
      ["tower", "kling-3.0-pro", "generated"],
      ["warning", "veo-3.1", "cached"],
      ["storm", "veo-3.1-fast", "cached"],
      ["meeting", "kling-o3-pro", "cached"],
    ],
  );
  assert.ok(Math.abs((await probe(path.join(p.dir, "out", "models.mp4"))).duration - FILM_SECONDS) < 0.1);
});

// `at` is a unique piece of the storyboard whose first character is where the error points.
function position(text: string, at: string): string {
  const i = text.indexOf(at);
  assert.ok(i >= 0 && i === text.lastIndexOf(at), `"${at}" is in the storyboard once`);
  const before = text.slice(0, i).split("\n");
  return `${before.length}:${before.at(-1)!.length + 1}`;
}

const MEETING = `  - id: meeting
    model: kling-o3-pro
    references: [keeper, images/boy.png]
    prompt: '@keeper hands @boy the lantern'
    duration: 5
`;

const REFUSED: Array<{ what: string; from: string; to: string; at: string; error: RegExp }> = [
  {
    what: "a duration the model cannot make",
    from: "    duration: 8\n    audio: true",
    to: "    duration: 5\n    audio: true",
    at: "5\n    audio: true",
    error: /shots\[1\]\.duration: must be 4, 6 or 8 \(got 5\); veo-3\.1 makes 4, 6 or 8 s/,
  },
  {
    what: "a mode the model lacks",
    from: MEETING,
    to: MEETING.replace("kling-o3-pro", "sora-2"),
    at: "sora-2",
    error:
      /shots\[3\]\.model: sora-2 has no reference-to-video mode \(the shot has references\); it has text-to-video, image-to-video\. Models with reference-to-video: kling-o3-pro, seedance-2\.0, veo-3\.1-fast, veo-3\.1/,
  },
  {
    what: "too many references",
    from: MEETING,
    to: MEETING.replace("kling-o3-pro", "veo-3.1")
      .replace("[keeper, images/boy.png]", "[keeper, images/boy.png, images/girl.png, images/lighthouse.png]")
      .replace("duration: 5", "duration: 8"),
    at: "[keeper, images/boy.png, images/girl.png",
    error: /shots\[3\]\.references: veo-3\.1 takes at most 3 references \(got 4\)/,
  },
  {
    what: "an @name that is not among the references",
    from: "'@keeper hands @boy the lantern'",
    to: "'@keeper hands @girl the lantern'",
    at: "@girl the lantern",
    error: /shots\[3\]\.prompt: @girl \(character 15\) is not among the shot's references \(@keeper, @boy\)/,
  },
  {
    what: "a resolution the model does not offer",
    from: "resolution: 1080p",
    to: "resolution: 2k",
    at: "2k",
    error:
      /shots\[1\]\.resolution: must be 720p, 1080p or 4k \(got 2k\); veo-3\.1 image-to-video offers 720p, 1080p or 4k/,
  },
];

// Nothing reaches fal (not an upload, not a look at its listing) and nothing is written: no cache, no out/, no lock.
async function assertRefusedBeforeAnything(
  p: Awaited<ReturnType<typeof project>>,
  text: string,
  at: string,
  error: RegExp,
  inModelFile = false,
): Promise<void> {
  forget();
  const files = await listFiles(p.dir);
  const run = await p.run("render");
  assert.equal(run.exitCode, 2, run.stderr);
  const lines = run.stderr.split("\n");
  const line = inModelFile
    ? lines.find((l) => l.startsWith("models/broken.json:"))
    : lines.find((l) => l.startsWith("storyboard.yaml:"));
  if (!inModelFile) assert.ok(line?.startsWith(`storyboard.yaml:${position(text, at)}: `), run.stderr);
  assert.match(line ?? "", error, run.stderr);
  assert.equal(fake.requests.length, 0, "fal was never asked anything");
  assert.deepEqual(await listFiles(p.dir), files, "nothing written");
  assert.ok(!existsSync(path.join(p.dir, "cache")));
}

for (const c of REFUSED)
  test(`render refuses ${c.what}: exit 2 at its line and column, nothing sent, nothing written`, async () => {
    assert.ok(BOARD.includes(c.from));
    const text = BOARD.replace(c.from, c.to);
    await assertRefusedBeforeAnything(await project(text), text, c.at, c.error);
  });

// A project's own model file, a copy of Veo 3.1 under a new alias with a mistake in it: the payload it would
// make does not match fal's schema for the endpoint, so render refuses it before any submit, naming the field.
function brokenVeo(edit: (imageToVideo: Record<string, unknown>) => void): string {
  const family = JSON.parse(readFileSync(path.join(REPO, "models", "video", "veo-3.1.json"), "utf8"));
  family.family = "veo-broken";
  family.name = "Veo 3.1, broken";
  delete family.aliases;
  edit(family.modes["image-to-video"]);
  return JSON.stringify(family, null, 2);
}

const BROKEN: Array<{ what: string; file: string; duration: number; error: RegExp; atFile?: boolean }> = [
  {
    what: "a duration its schema's enum lacks",
    file: brokenVeo((mode) => {
      mode.durations = [4, 6, 8, 10];
    }),
    duration: 10,
    // Found as the model file is read, at its own line: its durations offer what its schema refuses.
    error: /field "duration" must be one of "4s", "6s", "8s" \(got "10s"\)/,
    atFile: true,
  },
  {
    what: "a field its schema does not have",
    file: brokenVeo((mode) => {
      (mode.input as Record<string, unknown>).seconds = { from: "duration", as: "number" };
    }),
    duration: 8,
    error: /field "seconds" is not in it, so fal would ignore it/,
  },
];

for (const c of BROKEN)
  test(`a project model file that sends ${c.what}: render exits 2 before any submit, naming the field`, async () => {
    const text = BOARD.replace("model: veo-3.1\n", "model: veo-broken\n").replace(
      "    duration: 8\n    audio: true",
      `    duration: ${c.duration}\n    audio: true`,
    );
    const p = await project(text, { "models/broken.json": c.file });
    const error = c.atFile
      ? new RegExp(
          `models/broken\\.json:\\d+:\\d+: modes\\.image-to-video\\.durations: offers 10, which its schema refuses: ${c.error.source}`,
        )
      : new RegExp(
          `shots\\[1\\]\\.model: the request for fal-ai/veo3\\.1/image-to-video would not match fal's schema in .*models/broken\\.json: ${c.error.source}.*nothing was sent`,
        );
    await assertRefusedBeforeAnything(p, text, "veo-broken", error, c.atFile);
  });
