// The remote cache: two machines (two working copies, two local caches) sharing one bucket on the fake S3,
// with the real @aws-sdk/client-s3 and the real @fal-ai/client against fakes on 127.0.0.1.
import assert from "node:assert/strict";
import { cp, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { after, describe, test } from "node:test";
import { runInProcess, tempDir } from "../testkit/cli.js";
import { FakeFal } from "../testkit/fake-fal.js";
import { falEnv, TEST_FAL_KEY } from "../testkit/fal-env.js";
import { startFakeS3, type FakeS3 } from "../testkit/fake-s3.js";
import { makeProject, shots } from "./helpers/project.js";

const stops: (() => Promise<unknown>)[] = [];
after(() => Promise.all(stops.map((s) => s())));

const S3_ENV = (s3: FakeS3) => ({
  AWS_ENDPOINT_URL_S3: s3.url,
  AWS_ACCESS_KEY_ID: "AKIDTEST",
  AWS_SECRET_ACCESS_KEY: "s3cr3t-DO-NOT-LEAK",
  AWS_REGION: "us-east-1",
  STORYREEL_REMOTE_CACHE: "s3://storyreel/team",
});

// Two clones of one project, each with its own local cache, on one fake fal and one fake bucket.
async function team(n: number, latencyMs = 200) {
  const fal = await new FakeFal({ key: TEST_FAL_KEY, latencyMs }).start();
  const s3 = await startFakeS3();
  stops.push(
    () => fal.stop(),
    () => s3.close(),
  );
  const origin = await makeProject({ storyboard: { version: 1, shots: shots(n) } });
  const clone = async () => {
    const dir = await tempDir("storyreel-clone-");
    await cp(origin.dir, dir, { recursive: true });
    const file = path.join(dir, path.basename(origin.file));
    const cache = path.join(dir, "cache");
    const env = (extra = {}) => ({ ...falEnv(fal, cache), ...S3_ENV(s3), ...extra });
    return {
      dir,
      file,
      cache,
      render: (args: string[] = [], extra = {}) =>
        runInProcess(["render", file, ...args], { cwd: dir, env: env(extra) }),
      run: (args: string[], extra = {}) => runInProcess(args, { cwd: dir, env: env(extra) }),
    };
  };
  return { fal, s3, clone };
}

describe("remote cache", { concurrency: 4 }, () => {
  test("a second clone renders the whole film from the bucket with 0 submits, byte-identical", async () => {
    const t = await team(3);
    const a = await t.clone();
    const first = await a.render();
    assert.equal(first.exitCode, 0, first.stderr);
    assert.equal(t.fal.count("submit"), 3);
    assert.equal(t.s3.count("put", "team/v1/clips/"), 6, "three clips and their records uploaded");
    const b = await t.clone();
    const second = await b.render();
    assert.equal(second.exitCode, 0, second.stderr);
    assert.equal(t.fal.count("submit"), 3, "nothing submitted again");
    assert.match(second.stderr, /fetched 3 of 3 missing steps/);
    const film = (d: string) => readFile(path.join(d, "out", "storyboard.mp4"));
    assert.deepEqual(await film(b.dir), await film(a.dir));
  });
});
