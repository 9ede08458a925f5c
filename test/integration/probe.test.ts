// ffprobeMedia asks ffprobe once per unchanged file: a music bed is checked before anything is paid and
// measured again for the mix, with one ffprobe process between them.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { RunError } from "../../src/errors.js";
import { ffprobeMedia } from "../../src/media/probe.js";
import { REPO } from "../../testkit/cli.js";
import { toneFile } from "../../testkit/ffprobe.js";

const FFPROBE = path.join(REPO, "test", "fixtures", "bin", "ffprobe-logging");
const dir = await mkdtemp(path.join(tmpdir(), "storyreel-probe-"));
const log = path.join(dir, "ffprobe.log");
after(() => rm(dir, { recursive: true, force: true }));

// The logging ffprobe reads $FFMPEG_LOG from the environment it is started with.
async function probes(run: () => Promise<unknown>): Promise<number> {
  await writeFile(log, "");
  const saved = process.env.FFMPEG_LOG;
  process.env.FFMPEG_LOG = log;
  try {
    await run();
  } finally {
    process.env.FFMPEG_LOG = saved;
  }
  return (await readFile(log, "utf8")).split("\n").filter(Boolean).length;
}

test("an unchanged file is probed once; a rewritten one is probed again and read anew", async () => {
  const file = path.join(dir, "bed.wav");
  await writeFile(file, await readFile(await toneFile(dir, 440, 2)));
  let first: unknown;
  let second: unknown;
  const count = await probes(async () => {
    first = await ffprobeMedia(FFPROBE, file);
    second = await ffprobeMedia(FFPROBE, file);
  });
  assert.equal(count, 1);
  assert.deepEqual(second, first);
  assert.equal((first as { duration: number }).duration, 2);
  // The same name, other bytes: a 3 s tone.
  await writeFile(file, await readFile(await toneFile(dir, 440, 3)));
  let third: { duration: number } | undefined;
  const again = await probes(async () => {
    third = await ffprobeMedia(FFPROBE, file);
  });
  assert.equal(again, 1);
  assert.equal(third?.duration, 3);
});

test("a failure is not remembered: a missing or unreadable file asks ffprobe each time", async () => {
  const missing = path.join(dir, "missing.wav");
  const count = await probes(async () => {
    await assert.rejects(ffprobeMedia(FFPROBE, missing), RunError);
    await assert.rejects(ffprobeMedia(FFPROBE, missing), RunError);
  });
  assert.equal(count, 2);
  const junk = path.join(dir, "junk.wav");
  await writeFile(junk, "not audio");
  const junkCount = await probes(async () => {
    await assert.rejects(ffprobeMedia(FFPROBE, junk), RunError);
    await assert.rejects(ffprobeMedia(FFPROBE, junk), RunError);
  });
  assert.equal(junkCount, 2);
});
