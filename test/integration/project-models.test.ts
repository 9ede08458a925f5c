// A project's own model files (models/ beside the storyboard, or STORYREEL_MODELS): used like shipped ones,
// named in `plan` when they shadow a shipped name, refused with file:line:col when they are not valid.
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { MODELS_DIR } from "../../src/paths.js";
import { runInProcess, tempDir } from "../../testkit/cli.js";
import { makeProject } from "../helpers/project.js";

const veo = async () => JSON.parse(await readFile(path.join(MODELS_DIR, "video", "veo-3.1.json"), "utf8"));

// The shipped Veo 3.1 family under another name and a made-up endpoint, as a team would add a new one.
async function houseVeo(name: string, endpoint = "fal-ai/house/veo") {
  const family = await veo();
  family.family = name;
  family.aliases = [];
  family.modes["image-to-video"].endpoint = endpoint;
  return family;
}

async function project(shot: Record<string, unknown>) {
  return makeProject({
    images: { "a.png": [1280, 720] },
    storyboard: {
      version: 1,
      shots: [{ id: "s1", image: "images/a.png", prompt: "the keeper looks up", ...shot }],
    },
  });
}

test("a model file in models/ beside the storyboard is used by name, priced and keyed by its endpoint", async () => {
  const { dir, file } = await project({ model: "house-veo", duration: 8, resolution: "1080p" });
  await mkdir(path.join(dir, "models"));
  await writeFile(
    path.join(dir, "models", "house-veo.json"),
    JSON.stringify(await houseVeo("house-veo"), null, 2),
  );
  const result = await runInProcess(["plan", file, "--json"], { cwd: dir });
  assert.equal(result.exitCode, 0, result.stderr);
  const shot = JSON.parse(result.stdout).shots[0];
  assert.equal(shot.model, "house-veo");
  assert.equal(shot.endpoint, "fal-ai/house/veo");
  assert.equal(shot.cost, 3.2);
});

test("STORYREEL_MODELS names a folder of model files anywhere", async () => {
  const { dir, file } = await project({ model: "elsewhere-veo", duration: 8 });
  const models = await tempDir();
  await writeFile(path.join(models, "elsewhere.json"), JSON.stringify(await houseVeo("elsewhere-veo")));
  const result = await runInProcess(["plan", file], { cwd: dir, env: { STORYREEL_MODELS: models } });
  assert.equal(result.exitCode, 0, result.stderr);
  assert.match(result.stdout, /elsewhere-veo image/);
});

test("a project file that takes a shipped model's name is used, and plan names it", async () => {
  const { dir, file } = await project({ model: "veo-3.1", duration: 8 });
  await mkdir(path.join(dir, "models", "video"), { recursive: true });
  await writeFile(path.join(dir, "models", "video", "veo.json"), JSON.stringify(await houseVeo("veo-3.1")));
  const result = await runInProcess(["plan", file], { cwd: dir });
  assert.equal(result.exitCode, 0, result.stderr);
  assert.match(
    result.stdout,
    /Warning: .*veo\.json \(the project's model file\) takes veo-3\.1, fal-ai\/veo3\.1, .*which a shipped model has/,
  );
  const json = JSON.parse((await runInProcess(["plan", file, "--json"], { cwd: dir })).stdout);
  assert.equal(json.shots[0].endpoint, "fal-ai/house/veo");
});

test("an invalid project model file exits 2 naming its file, line and column, and nothing is written", async () => {
  const { dir, file } = await project({});
  await mkdir(path.join(dir, "models"));
  const family = await houseVeo("broken-veo");
  family.modes["image-to-video"].durations = "eight";
  const text = JSON.stringify(family, null, 2);
  await writeFile(path.join(dir, "models", "broken.json"), text);
  const line = text.split("\n").findIndex((l) => l.includes('"eight"')) + 1;
  const result = await runInProcess(["render", file, "--provider", "preview"], { cwd: dir });
  assert.equal(result.exitCode, 2);
  assert.deepEqual((await readdir(dir)).sort(), ["images", "models", "storyboard.yaml"], "nothing written");
  assert.match(
    result.stderr,
    new RegExp(`models/broken\\.json:${line}:\\d+: modes\\.image-to-video\\.durations`),
  );
  await writeFile(path.join(dir, "models", "broken.json"), "{ not json");
  const again = await runInProcess(["validate", file], { cwd: dir });
  assert.equal(again.exitCode, 2);
  assert.match(again.stderr, /models\/broken\.json:1:\d+: is not valid JSON/);
});

test("a model file whose own lists its schema refuses, or two files with one name, exit 2 at the file", async () => {
  const { dir, file } = await project({});
  await mkdir(path.join(dir, "models"));
  const family = await houseVeo("odd-veo");
  family.modes["image-to-video"].durations = [4, 5, 8];
  const text = JSON.stringify(family, null, 2);
  await writeFile(path.join(dir, "models", "odd.json"), text);
  const lines = text.split("\n");
  const mode = lines.findIndex((l) => l.includes('"image-to-video": {'));
  const line = lines.findIndex((l, i) => i > mode && l.includes('"durations"')) + 1;
  const odd = await runInProcess(["validate", file], { cwd: dir });
  assert.equal(odd.exitCode, 2);
  assert.match(
    odd.stderr,
    new RegExp(`models/odd\\.json:${line}:\\d+: modes\\.image-to-video\\.durations: offers 5`),
  );
  await writeFile(path.join(dir, "models", "odd.json"), JSON.stringify(await houseVeo("twin")));
  await mkdir(path.join(dir, "models", "video"));
  await writeFile(path.join(dir, "models", "video", "twin.json"), JSON.stringify(await houseVeo("twin")));
  const twins = await runInProcess(["plan", file], { cwd: dir });
  assert.equal(twins.exitCode, 2);
  assert.match(twins.stderr, /twin\.json:1:1: family: the name twin is also given by .*odd\.json/);
});

test("STORYREEL_MODELS that is not a folder is refused, not ignored", async () => {
  const { dir, file } = await project({});
  const result = await runInProcess(["plan", file], {
    cwd: dir,
    env: { STORYREEL_MODELS: "no-such-folder" },
  });
  assert.equal(result.exitCode, 2);
  assert.match(result.stderr, /STORYREEL_MODELS is no-such-folder, which is not a folder/);
});
