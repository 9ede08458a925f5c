// Hostile or mis-encoded storyboards: refused with exit 2 and a position, nothing written, nothing parsed past
// the limits. (The positioned cases with exact messages are in test/fixtures/bad/.)
import assert from "node:assert/strict";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { decodeStoryboard, firstInvalidUtf8, MAX_STORYBOARD_BYTES } from "../../src/storyboard/decode.js";
import { listFiles, REPO, runInProcess, tempDir } from "../../testkit/cli.js";

const OK_IMAGE = path.join(REPO, "test", "fixtures", "bad", "images", "ok.png");
const BOARD =
  "version: 1\nshots:\n  - id: cafe\n    image: images/ok.png\n    prompt: un café au bord de la mer 🌊\n";

async function project(bytes: Buffer): Promise<{ dir: string; file: string }> {
  const dir = await tempDir("storyreel-hostile-");
  await mkdir(path.join(dir, "images"));
  await copyFile(OK_IMAGE, path.join(dir, "images", "ok.png"));
  const file = path.join(dir, "storyboard.yaml");
  await writeFile(file, bytes);
  return { dir, file };
}

test("a file over the size limit is refused before it is parsed, with the position where the limit falls", async () => {
  const line = `# ${"x".repeat(98)}\n`;
  const big = Buffer.from(`version: 1\n${line.repeat(MAX_STORYBOARD_BYTES / line.length + 10)}`);
  const { dir, file } = await project(big);
  const before = await listFiles(dir);
  const r = await runInProcess(["plan", file, "--provider", "preview"], { cwd: dir });
  assert.equal(r.exitCode, 2);
  assert.match(
    r.stderr,
    /storyboard\.yaml:\d+:\d+: the file is larger than 4 MB, the most a storyboard may be/,
  );
  assert.doesNotMatch(r.stderr, /hit a bug|^\s+at /m);
  assert.deepEqual(await listFiles(dir), before);
});

test("UTF-16 with a byte-order mark is decoded: the same plan as UTF-8; a UTF-8 BOM is fine too", async () => {
  const keys = async (bytes: Buffer) => {
    const { dir, file } = await project(bytes);
    const r = await runInProcess(["plan", file, "--provider", "preview", "--json"], { cwd: dir });
    assert.equal(r.exitCode, 0, r.stderr);
    return JSON.parse(r.stdout).shots.map((s: { id: string; key: string }) => `${s.id}:${s.key}`);
  };
  const utf8 = await keys(Buffer.from(BOARD));
  const be = Buffer.from(BOARD, "utf16le").swap16();
  assert.deepEqual(
    await keys(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(BOARD, "utf16le")])),
    utf8,
  );
  assert.deepEqual(await keys(Buffer.concat([Buffer.from([0xfe, 0xff]), be])), utf8);
  assert.deepEqual(await keys(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(BOARD)])), utf8);
  assert.match(utf8[0], /^cafe:/);
});

test("the UTF-8 check accepts every well-formed character and finds the first bad byte", () => {
  assert.equal(firstInvalidUtf8(Buffer.from("plain ascii, é, ✓, 🌊, 中文")), undefined);
  const cases: Array<[number[], number]> = [
    [[0x61, 0xe9, 0x20], 1], // Latin-1 é
    [[0x61, 0xc0, 0xaf], 1], // overlong "/"
    [[0xed, 0xa0, 0x80], 0], // a UTF-16 surrogate
    [[0xf4, 0x90, 0x80, 0x80], 0], // above U+10FFFF
    [[0x61, 0x62, 0xe2, 0x82], 2], // cut off at the end
    [[0x80], 0], // a continuation byte alone
    [[0x61, 0x00], 1], // NUL
  ];
  for (const [bytes, at] of cases) assert.equal(firstInvalidUtf8(Uint8Array.from(bytes)), at, `${bytes}`);
  const bad = decodeStoryboard(Buffer.from("version: 1\ntitle: caf\xe9\n", "latin1"));
  assert.ok("problem" in bad);
  assert.deepEqual([bad.problem.line, bad.problem.col], [2, 11]);
  assert.match(bad.problem.message, /byte 21 \(0xE9\)/);
});

test("brackets, quotes and hashes inside prompts are text, not nesting: 80 such shots validate", async () => {
  const shotsText = Array.from(
    { length: 80 },
    (_, i) =>
      `  - id: s${i}\n    image: images/ok.png\n    prompt: A neon sign reads [Joe's Diner] {open} #${i} "late"\n`,
  ).join("");
  const { dir, file } = await project(Buffer.from(`version: 1\nshots:\n${shotsText}`));
  const r = await runInProcess(["validate", file], { cwd: dir });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /valid: 80 shots/);
});
