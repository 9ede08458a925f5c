// The look-up before pricing: what the bucket holds and what the local cache holds damaged settle the plan
// before anything is paid; the progress names the clips in the storyboard's order.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, describe, test } from "node:test";
import { stringify } from "yaml";
import { flipByte } from "../../testkit/cache-files.js";
import { runInProcess } from "../../testkit/cli.js";
import { FakeFal } from "../../testkit/fake-fal.js";
import { falEnv, TEST_FAL_KEY } from "../../testkit/fal-env.js";
import { makeProject } from "../helpers/project.js";
import { team } from "../helpers/remote-team.js";

const stops: (() => Promise<unknown>)[] = [];
after(() => Promise.all(stops.map((s) => s())));

const stillAndShot = (prompt: string) => ({
  version: 1,
  stills: { keeper: { prompt: "keeper portrait", size: "1280x720" } },
  shots: [{ id: "arrival", image: { still: "keeper" }, prompt, audio: false }],
});

describe("the look-up before pricing", { concurrency: 3 }, () => {
  test("--frozen from the bucket needs no still whose every shot came from it", async () => {
    const t = await team(stops, 1, 100, {}, stillAndShot("he climbs the stairs"));
    const a = await t.clone();
    assert.equal((await a.render()).exitCode, 0);
    for (const name of [...t.s3.objects.keys()]) if (name.includes("/v1/stills/")) t.s3.objects.delete(name);
    const b = await t.clone();
    await writeFile(
      path.join(b.dir, "storyboard.lock.yaml"),
      await readFile(path.join(a.dir, "storyboard.lock.yaml")),
    );
    const r = await b.render(["--frozen", "--remote-cache-readonly"]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(t.fal.count("submit"), 2, "nothing is paid again");
  });

  test("a damaged still that fal no longer serves is removed before pricing and made again with its shot", async () => {
    const fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 50 }).start();
    stops.push(() => fake.stop());
    const p = await makeProject({ storyboard: stillAndShot("he climbs the stairs") });
    const cache = path.join(p.dir, "cache");
    const run = (...args: string[]) => runInProcess(args, { cwd: p.dir, env: falEnv(fake, cache) });
    assert.equal((await run("render", p.file)).exitCode, 0);
    const lock = await readFile(path.join(p.dir, "storyboard.lock.yaml"), "utf8");
    const key = /id: still:keeper\n\s+key: ([0-9a-f]{64})/.exec(lock)![1]!;
    const sidecar = path.join(cache, "stills", `${key}.json`);
    const side = JSON.parse(await readFile(sidecar, "utf8"));
    await writeFile(sidecar, JSON.stringify({ ...side, image_url: `${fake.url}/files/gone/x.png` }));
    await flipByte(path.join(cache, "stills", `${key}.${side.format === "jpeg" ? "jpg" : side.format}`));
    // The shot changes, so the render reads the still.
    await writeFile(p.file, stringify(stillAndShot("he climbs the stairs slowly")));
    const r = await run("render", p.file);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /still:keeper: its cached image was damaged and was removed; it is made again/);
    assert.equal(fake.count("submit"), 4, "the still and the changed shot, once each");
  });

  test("the progress names the clips in the storyboard's order, a shot another continues included", async () => {
    const fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 50 }).start();
    stops.push(() => fake.stop());
    const p = await makeProject({
      storyboard: {
        version: 1,
        defaults: { audio: false },
        shots: [
          { id: "first", image: "images/a.png", prompt: "first" },
          { id: "second", image: "images/a.png", prompt: "second" },
          { id: "third", image: { from: "second", frame: "last" }, prompt: "third" },
        ],
      },
    });
    const r = await runInProcess(["render", p.file, "--json"], {
      cwd: p.dir,
      env: falEnv(fake, path.join(p.dir, "cache")),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const queued = r.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === "shot" && e.state === "queued")
      .map((e) => e.shot);
    assert.deepEqual(queued, ["first", "second", "third"]);
  });
});
