// After a kill -9, the next run removes the temp files the dead process left, and stops any child (an ffmpeg)
// that outlived it and still writes one.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { once } from "node:events";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { sweepOrphans } from "../../src/cache/atomic.js";
import { tempDir } from "../../testkit/cli.js";

test("a dead process's temp files are removed, and the orphan still writing one is stopped", {
  skip: !existsSync("/proc/self/cmdline") && "no /proc: orphans are not looked for",
}, async () => {
  const dir = await tempDir("storyreel-sweep-");
  const dead = 4_194_001;
  assert.throws(() => process.kill(dead, 0));
  const orphanFile = path.join(dir, `.film.mp4.${dead}.0a1b2c3d.tmp`);
  const liveFile = path.join(dir, `.film.mp4.${process.pid}.0a1b2c3d.tmp`);
  await writeFile(orphanFile, "half a film");
  await writeFile(liveFile, "being written by this process");
  // Stands in for the ffmpeg a killed render left running: its command line names the temp file.
  const orphan = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", orphanFile], {
    stdio: "ignore",
  });
  await once(orphan, "spawn");
  const bystander = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", "x"], { stdio: "ignore" });
  await once(bystander, "spawn");
  const exited = once(orphan, "exit");
  try {
    assert.equal(await sweepOrphans([dir]), 1);
    const [, signal] = await exited;
    assert.equal(signal, "SIGKILL");
    assert.ok(!existsSync(orphanFile));
    assert.ok(existsSync(liveFile), "a live process's temp file is left alone");
    assert.equal(bystander.exitCode, null, "other processes are left alone");
  } finally {
    orphan.kill("SIGKILL");
    bystander.kill("SIGKILL");
  }
});

test("a temp file another host is writing on a shared cache is left alone; this host's dead ones go", async () => {
  const { tempSibling } = await import("../../src/cache/atomic.js");
  const dir = await tempDir("storyreel-sweep-hosts-");
  const dead = 4_194_002;
  const mine = tempSibling(path.join(dir, "film.mp4")).replace(`.${process.pid}-`, `.${dead}-`);
  const other = path.join(dir, `.film.mp4.${dead}-abcdef.0a1b2c3d.tmp`);
  await writeFile(mine, "");
  await writeFile(other, "");
  assert.equal(await sweepOrphans([dir]), 1);
  assert.ok(!existsSync(mine));
  assert.ok(existsSync(other), "another host's file: its pid means nothing here");
});
