// A team on one bucket: clones of one project, each with its own working copy and local cache, on one fake fal
// and one fake S3. `render`/`run` run the CLI in process; `spawn` runs it as a real process.
import { cp, readFile } from "node:fs/promises";
import path from "node:path";
import { runInProcess, spawnStoryreel, tempDir } from "../../testkit/cli.js";
import { FakeFal } from "../../testkit/fake-fal.js";
import { falEnv, TEST_FAL_KEY } from "../../testkit/fal-env.js";
import { type FakeS3, startFakeS3 } from "../../testkit/fake-s3.js";
import { makeProject, shots } from "./project.js";

export const S3_SECRET = "s3cr3t-DO-NOT-LEAK";

export const s3Env = (s3: FakeS3) => ({
  AWS_ENDPOINT_URL_S3: s3.url,
  AWS_ACCESS_KEY_ID: "AKIDTEST",
  AWS_SECRET_ACCESS_KEY: S3_SECRET,
  AWS_REGION: "us-east-1",
  STORYREEL_REMOTE_CACHE: "s3://storyreel/team",
});

export async function team(
  stops: (() => Promise<unknown>)[],
  n: number,
  latencyMs = 200,
  s3Options: Parameters<typeof startFakeS3>[0] = {},
  storyboard: Record<string, unknown> = { version: 1, shots: shots(n) },
) {
  const fal = await new FakeFal({ key: TEST_FAL_KEY, latencyMs }).start();
  const s3 = await startFakeS3(s3Options);
  stops.push(
    () => fal.stop(),
    () => s3.close(),
  );
  const origin = await makeProject({ storyboard });
  const clone = async () => {
    const dir = await tempDir("storyreel-clone-");
    await cp(origin.dir, dir, { recursive: true });
    const file = path.join(dir, path.basename(origin.file));
    const cache = path.join(dir, "cache");
    const env = (extra = {}) => ({ ...falEnv(fal, cache), ...s3Env(s3), ...extra });
    return {
      dir,
      file,
      cache,
      film: () => readFile(path.join(dir, "out", "storyboard.mp4")),
      render: (args: string[] = [], extra = {}) =>
        runInProcess(["render", file, ...args], { cwd: dir, env: env(extra) }),
      run: (args: string[], extra = {}) => runInProcess(args, { cwd: dir, env: env(extra) }),
      spawn: (args: string[] = [], extra = {}) =>
        spawnStoryreel(["render", file, ...args], { cwd: dir, env: env(extra) }),
    };
  };
  return { fal, s3, clone };
}

// The claims in the bucket, as their bodies say.
export const claimsIn = (s3: FakeS3) =>
  [...s3.objects.entries()]
    .filter(([k]) => k.startsWith("storyreel/team/v1/claims/"))
    .map(([, o]) => JSON.parse(o.bytes.toString("utf8")) as { state: string; request_id?: string });

// What a machine that died mid-submit leaves in the bucket: its claim, stale once the clock moves on a lease.
export function leaveDeadClaim(s3: FakeS3, key: string, extra: Record<string, unknown> = {}): void {
  const body = {
    version: 1,
    key,
    state: "submitting",
    step: "s1",
    holder: { host: "gone", pid: 1 },
    nonce: "x",
    beat: 3,
  };
  s3.put(`team/v1/claims/${key}`, JSON.stringify({ ...body, ...extra }));
}
