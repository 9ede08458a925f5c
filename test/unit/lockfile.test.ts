// The lockfile reads back exactly what storyreel wrote (by its fast reader or, for anything else, by YAML),
// and a hand edit that breaks it is refused with the step and field named.
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { formatLock, type Lockfile, readLock } from "../../src/project/lockfile.js";
import { UsageError } from "../../src/errors.js";

const KEY = "a".repeat(64);
const SHA = "b".repeat(64);

function lock(storyboard: string): Lockfile {
  return {
    version: 1,
    storyboard,
    provider: "fal",
    steps: [
      {
        id: "still:keeper",
        key: KEY,
        take: 1,
        takes: 1,
        model: "fal-ai/flux-1/dev",
        sha256: SHA,
        bytes: 12,
        size: "1280x720",
        request_id: "req-1",
        cost: 0.02,
      },
      {
        id: "shot:arrival",
        key: KEY,
        take: 2,
        takes: 3,
        picked: true,
        model: "fal-ai/kling-video/v2.6/pro/image-to-video",
        sha256: SHA,
        bytes: 99,
        duration: 5.041667,
        cost: 0.35,
      },
      {
        id: "shot:beam",
        key: KEY,
        take: 1,
        takes: 1,
        model: "fal-ai/kling-video/v2.6/pro/image-to-video",
        cost: 0.7,
      },
    ],
    film: { key: KEY },
  };
}

async function roundTrip(text: string) {
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-lock-"));
  const file = path.join(dir, "film.lock.yaml");
  await writeFile(file, text);
  return readLock(file);
}

test("what storyreel writes reads back the same, including names YAML must quote", async () => {
  for (const name of ["film.yaml", "my film: v2.yaml", "#1 - opening.yaml", "true.yaml", "10.yaml"]) {
    const written = lock(name);
    assert.deepEqual(await roundTrip(formatLock(written)), written, name);
  }
});

test("a hand-edited lock is read by YAML when it can be, and refused with the step and field when it is wrong", async () => {
  const edited = formatLock(lock("film.yaml"))
    .replace("take: 2", 'take: "2"')
    .replace("cost: 0.7", "cost: 0.70 # was 0.35");
  await assert.rejects(
    roundTrip(edited),
    (e: unknown) =>
      e instanceof UsageError && /steps\[1\] \(shot:arrival\): take and takes/.test((e as Error).message),
  );
  const quoted = formatLock(lock("film.yaml")).replace(
    "model: fal-ai/flux-1/dev",
    'model: "fal-ai/flux-1/dev"',
  );
  assert.equal((await roundTrip(quoted))?.steps[0]?.model, "fal-ai/flux-1/dev");
  await assert.rejects(
    roundTrip(formatLock(lock("film.yaml")).replace(`key: ${KEY}`, "key: zzzz")),
    /key must be 64 hexadecimal/,
  );
  await assert.rejects(roundTrip("version: 2\nsteps: []\n"), /not a storyreel lockfile of version 1/);
  await assert.rejects(roundTrip("steps: [\n"), /is not valid YAML/);
});

test("a lock whose numbers are infinite, negative or not whole is refused, naming the lock file and the step", async () => {
  const written = formatLock(lock("film.yaml"));
  const cases: Array<[string, string, RegExp]> = [
    ["bytes: 99", "bytes: 1e400", /steps\[1\] \(shot:arrival\): bytes must be a whole number of bytes/],
    ["bytes: 99", "bytes: -4", /steps\[1\] \(shot:arrival\): bytes must be a whole number/],
    ["bytes: 99", "bytes: 99.5", /steps\[1\] \(shot:arrival\): bytes must be a whole number/],
    ["bytes: 12", "bytes: .inf", /steps\[0\] \(still:keeper\): bytes must be a whole number .*got \.inf/],
    [
      "cost: 0.35",
      "cost: -1e308",
      /steps\[1\] \(shot:arrival\): cost must be a number of dollars, 0 or more/,
    ],
    ["cost: 0.7", "cost: .nan", /steps\[2\] \(shot:beam\): cost must be .*got \.nan/],
    ["cost: 0.7", "cost: 1e400", /steps\[2\] \(shot:beam\): cost must be/],
    ["duration: 5.041667", "duration: -.inf", /steps\[1\] \(shot:arrival\): duration must be/],
    ["size: 1280x720", "size: 0x720", /steps\[0\] \(still:keeper\): size must be WIDTHxHEIGHT/],
    ["picked: true", "picked: false", /steps\[1\] \(shot:arrival\): picked must be true/],
  ];
  for (const [from, to, expected] of cases) {
    assert.ok(written.includes(from), from);
    await assert.rejects(
      roundTrip(written.replace(from, to)),
      (e: unknown) =>
        e instanceof UsageError &&
        expected.test(e.message) &&
        /film\.lock\.yaml: /.test(e.message) &&
        /restore it from git/.test(e.message),
      `${to} is refused`,
    );
  }
});
