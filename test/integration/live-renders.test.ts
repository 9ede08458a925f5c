// Render markers: a live one counts, a dead process's is dropped, another host's counts while it is touched.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { cachePaths } from "../../src/cache/layout.js";
import { liveRenders, markRender } from "../../src/cache/live-renders.js";
import { tempDir } from "../../testkit/cli.js";

test("render markers: this process's counts until released, a dead pid's is removed, another host's ages out", async () => {
  const paths = cachePaths(await tempDir("storyreel-renders-"));
  const mine = await markRender(paths, ["a".repeat(64)]);
  const dir = path.join(paths.dir, "renders");
  const dead = Number(execFileSync("sh", ["-c", "echo $$"]).toString());
  const marker = (pid: number, host: string) => ({ pid, host, since: "", at: Date.now(), keys: [] });
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `${dead}-00000001.json`), JSON.stringify(marker(dead, hostname())));
  const fresh = path.join(dir, "7-00000002.json");
  const stale = path.join(dir, "8-00000003.json");
  await writeFile(fresh, JSON.stringify(marker(7, "elsewhere")));
  await writeFile(stale, JSON.stringify(marker(8, "elsewhere")));
  const hourAgo = new Date(Date.now() - 3_600_000);
  await utimes(stale, hourAgo, hourAgo);
  const live = await liveRenders(paths);
  assert.deepEqual(live.map((m) => m.pid).sort(), [7, process.pid].sort());
  assert.ok(!existsSync(path.join(dir, `${dead}-00000001.json`)), "the dead render's marker is gone");
  assert.ok(existsSync(stale), "another host's marker is left for that host");
  await mine.release();
  assert.deepEqual(
    (await liveRenders(paths)).map((m) => m.pid),
    [7],
  );
});
