// The lockfile records each clip's model by endpoint, family and mode: a model file whose endpoint changed
// under the same name is refused by --frozen, and a plain render makes exactly that clip again.
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, test } from "node:test";
import { parse } from "yaml";
import { MODELS_DIR } from "../../src/paths.js";
import { runInProcess } from "../../testkit/cli.js";
import { FakeFal } from "../../testkit/fake-fal.js";
import { falEnv, TEST_FAL_KEY } from "../../testkit/fal-env.js";
import { makeProject } from "../helpers/project.js";

const fakes: FakeFal[] = [];
after(() => Promise.all(fakes.map((f) => f.stop())));

async function houseKling(endpoint: string): Promise<string> {
  const family = JSON.parse(await readFile(path.join(MODELS_DIR, "video", "kling-2.6-pro.json"), "utf8"));
  family.family = "house-kling";
  family.aliases = [];
  family.modes["image-to-video"].endpoint = endpoint;
  return JSON.stringify(family, null, 2);
}

test("the lock names each clip's endpoint, family and mode; --frozen refuses a changed endpoint", async () => {
  const fake = await new FakeFal({ key: TEST_FAL_KEY }).start();
  fakes.push(fake);
  const { dir, file } = await makeProject({
    storyboard: {
      version: 1,
      defaults: { audio: false },
      shots: [
        { id: "one", model: "house-kling", image: "images/a.png", prompt: "the keeper looks up" },
        { id: "two", image: "images/a.png", prompt: "the sea" },
      ],
    },
  });
  await mkdir(path.join(dir, "models"));
  const model = path.join(dir, "models", "house.json");
  await writeFile(model, await houseKling("fal-ai/kling-video/house/v1"));
  const env = falEnv(fake, path.join(dir, "cache"));
  const run = (...args: string[]) => runInProcess(args, { cwd: dir, env });
  const first = await run("render", file);
  assert.equal(first.exitCode, 0, first.stderr);
  const lock = parse(await readFile(file.replace(/\.yaml$/, ".lock.yaml"), "utf8"));
  const steps = new Map(lock.steps.map((s: { id: string }) => [s.id, s]));
  assert.deepEqual(
    ["shot:one", "shot:two"].map((id) => {
      const s = steps.get(id) as { model: string; endpoint: string; family: string; mode: string };
      assert.equal(s.endpoint, s.model);
      return [s.model, s.family, s.mode];
    }),
    [
      ["fal-ai/kling-video/house/v1", "house-kling", "image-to-video"],
      ["fal-ai/kling-video/v2.6/pro/image-to-video", "kling-2.6-pro", "image-to-video"],
    ],
  );
  const submits = fake.count("submit");
  await writeFile(model, await houseKling("fal-ai/kling-video/house/v2"));
  const frozen = await run("render", file, "--frozen");
  assert.equal(frozen.exitCode, 2);
  assert.match(
    frozen.stderr,
    /shot:one \(the lock's endpoint is fal-ai\/kling-video\/house\/v1, the storyboard's fal-ai\/kling-video\/house\/v2\)/,
  );
  assert.equal(fake.count("submit"), submits, "nothing submitted");
  const again = await run("render", file);
  assert.equal(again.exitCode, 0, again.stderr);
  assert.equal(fake.count("submit"), submits + 1, "exactly the shot whose endpoint changed is made again");
});
