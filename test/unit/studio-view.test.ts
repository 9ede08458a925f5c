// The studio's View is a pure function of the plan, the storyboard and which files exist: URLs only for files
// that exist under the project or the cache, the take in use marked, and the last good view kept when invalid.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { planRender } from "../../src/plan/plan.js";
import { byteRange } from "../../src/studio/files.js";
import { buildView, fileUrl, invalidView } from "../../src/studio/view.js";
import { ROOT, shot, storyboard } from "../helpers/unit-fixtures.js";

const CACHE = path.join(ROOT, "out", "cache");

function viewOf(files: string[], over: { output?: string } = {}) {
  const board = storyboard(
    [shot(0, { takes: 2 }), shot(1, { transition: { type: "crossfade", duration: 0.5 } })],
    { title: "A film" },
  );
  const plan = planRender(board, { has: () => false }, { provider: "fal" });
  const exists = (f: string) => files.includes(f);
  const input = {
    board,
    plan,
    storyboard: "storyboard.yaml",
    hash: "h1",
    provider: "fal" as const,
    rendering: false,
    output: over.output ?? path.join(ROOT, "out", "storyboard.mp4"),
  };
  return { plan, view: buildView(input, { project: ROOT, cache: CACHE, exists }) };
}

test("a take has a URL only when its clip exists; the take in use is marked; the plan's steps are labelled", () => {
  const { plan } = viewOf([]);
  const key = plan.shots[0]!.takes![1]!.key;
  const { view } = viewOf([path.join(CACHE, "clips", `${key}.mp4`)]);
  assert.equal(view.title, "A film");
  assert.equal(view.valid, true);
  const one = view.shots[0]!;
  assert.deepEqual(
    one.takes.map((t) => [t.take, t.used, t.url]),
    [
      [1, true, undefined],
      [2, false, `/files/cache/clips/${key}.mp4`],
    ],
  );
  assert.equal(one.status, "generate");
  assert.ok(one.cost > 0);
  assert.deepEqual(view.shots[1]!.transition, { type: "crossfade", duration: 0.5 });
  assert.deepEqual(
    view.plan.steps.map((s) => [s.id, s.label]),
    [
      ["shot:s1", "s1"],
      ["shot:s2", "s2"],
    ],
  );
  // The film: under the project, not made yet; two 5 s shots less a 0.5 s crossfade.
  assert.deepEqual(view.film, { url: "/files/project/out/storyboard.mp4", exists: false, seconds: 9.5 });
});

test("a film outside both folders has no URL; a file URL never leaves its root", () => {
  const { view } = viewOf([], { output: "/elsewhere/film.mp4" });
  assert.equal(view.film, undefined);
  const roots = { project: ROOT, cache: CACHE, exists: () => true };
  assert.equal(fileUrl(roots, "/etc/passwd"), undefined);
  assert.equal(fileUrl(roots, path.join(ROOT, "a b#?.png")), "/files/project/a%20b%23%3F.png");
  assert.equal(fileUrl({ ...roots, exists: () => false }, path.join(ROOT, "a.png")), undefined);
});

test("an invalid storyboard keeps the last good view, with its problems and the file's new hash", () => {
  const { view } = viewOf([]);
  const bad = invalidView(
    view,
    [{ file: "storyboard.yaml", line: 3, col: 5, path: "shots[0]", message: "no" }],
    "h2",
  );
  assert.equal(bad.valid, false);
  assert.equal(bad.hash, "h2");
  assert.deepEqual(bad.shots, view.shots);
  assert.deepEqual(bad.problems, [
    { file: "storyboard.yaml", line: 3, col: 5, path: "shots[0]", message: "no" },
  ]);
});

test("byte ranges: one range, open-ended and suffix ranges, and unsatisfiable ones", () => {
  assert.deepEqual(byteRange("bytes=0-99", 1000), [0, 99]);
  assert.deepEqual(byteRange("bytes=900-", 1000), [900, 999]);
  assert.deepEqual(byteRange("bytes=-100", 1000), [900, 999]);
  assert.deepEqual(byteRange("bytes=0-5000", 1000), [0, 999]);
  assert.equal(byteRange("bytes=1000-", 1000), "unsatisfiable");
  assert.equal(byteRange("bytes=0-1,5-9", 1000), undefined);
  assert.equal(byteRange(undefined, 1000), undefined);
});
