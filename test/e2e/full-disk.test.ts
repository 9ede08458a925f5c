// A full output folder: every file storyreel hands over is checked before it is named, so a full disk is an
// error naming the file (exit 1), never exit 0 beside a film without its index or a file cut short.
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { listFiles, runInProcess } from "../../testkit/cli.js";
import { renderTiny } from "../../testkit/render.js";
import { readMp4 } from "../../src/media/mp4.js";
import { makeProject, shots } from "../helpers/project.js";
import { mountTmpfs } from "../helpers/tmpfs.js";

test("a film that does not fit: exit 1 naming the film and the full disk, and no film without its moov box", async (t) => {
  // The loudness pass writes the film a second time beside the first: the folder holds one copy, not two.
  // ffmpeg 5.1 exits 0 when its output is cut short there.
  const p = await makeProject({
    storyboard: { version: 1, output: "out/film.mp4", render: { loudness: -16 }, shots: shots(2) },
  });
  const out = path.join(p.dir, "out");
  const fs = await mountTmpfs(out, "64k");
  if (fs.skip) return t.skip(fs.skip);
  try {
    const r = await runInProcess(
      ["render", p.file, "--provider", "preview", "--cache-dir", path.join(p.dir, "cache")],
      { cwd: p.dir },
    );
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(
      r.stderr,
      /^error: cannot write \S+\/out\/film\.mp4: it came out incomplete \(.+\); no space left on the device/m,
    );
    assert.doesNotMatch(r.stderr, /hit a bug|^\s+at /m);
    const left = await readdir(out);
    if (left.includes("film.mp4"))
      assert.equal((await readMp4(path.join(out, "film.mp4"))).kind, "read", "any film there is whole");
    assert.deepEqual(
      left.filter((f) => f.endsWith(".tmp")),
      [],
      "no temp files left behind",
    );
  } finally {
    fs.unmount();
  }
});

test("a folder too small for anything: the film's error first, and the report named as not written either", async (t) => {
  const p = await makeProject({ storyboard: { version: 1, output: "out/film.mp4", shots: shots(2) } });
  const out = path.join(p.dir, "out");
  const fs = await mountTmpfs(out, "4k");
  if (fs.skip) return t.skip(fs.skip);
  try {
    const r = await runInProcess(
      ["render", p.file, "--provider", "preview", "--cache-dir", path.join(p.dir, "cache")],
      { cwd: p.dir },
    );
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(r.stderr, /^error: cannot write \S+\/out\/film\.mp4: it came out incomplete/m);
    assert.match(
      r.stderr,
      /^\(the report could not be written either: cannot write \S+\/out\/film\.(report\.json|html): no space left on the device\)$/m,
    );
    assert.deepEqual(
      (await listFiles(out)).filter((f) => !f.startsWith("film.posters/")),
      [],
      "no film, no report, no temp file",
    );
  } finally {
    fs.unmount();
  }
});

test("export into a full folder: exit 1 naming the timeline or the clip, nothing half-written left", async (t) => {
  const p = await makeProject({ storyboard: { version: 1, output: "out/film.mp4", shots: shots(2) } });
  const cache = path.join(p.dir, "cache");
  await renderTiny(p.file, p.dir, cache);
  const full = path.join(p.dir, "full");
  const fs = await mountTmpfs(full, "4k");
  if (fs.skip) return t.skip(fs.skip);
  try {
    const env = { STORYREEL_CACHE_DIR: cache };
    const otio = await runInProcess(["export", p.file, "--format", "otio", "--out", "full/film.otio"], {
      cwd: p.dir,
      env,
    });
    assert.equal(otio.exitCode, 1, otio.stderr);
    assert.match(otio.stderr, /^error: cannot write \S+\/full\/film\.otio: no space left on the device$/m);
    assert.deepEqual(await listFiles(full), [], "no temp file left");
    const collected = await runInProcess(["export", p.file, "--format", "mlt", "--collect", "full/edit"], {
      cwd: p.dir,
      env,
    });
    assert.equal(collected.exitCode, 1, collected.stderr);
    assert.match(
      collected.stderr,
      /^error: cannot write \S+\/full\/edit\/01-s1\.mp4: no space left on the device$/m,
    );
    assert.deepEqual(await listFiles(full), [], "no half-copied clip left");
  } finally {
    fs.unmount();
  }
});
