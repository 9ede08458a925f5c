// Burned captions with the real libass: the escaped text draws the very glyphs of the text as written (braces,
// backslashes), not boxes or full-width stand-ins, and the word joiner that keeps "\N" literal draws nothing.
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { execa } from "execa";
import { findMediaTools } from "../../src/media/binaries.js";
import { detectCapabilities } from "../../src/media/capabilities.js";
import { assText, toAss } from "../../src/stitch/captions.js";

const { ffmpeg } = findMediaTools(process.env);

// One frame of white captions on black, as 8-bit grey pixels, drawn by the subtitles filter from `dialogue`.
async function draw(dir: string, name: string, dialogue: string): Promise<Buffer> {
  const script = toAss([{ shot: "a", text: "MARK", startFrame: 0, endFrame: 24 }], 24, 640, 360).replace(
    /,,MARK\n/,
    `,,${dialogue}\n`,
  );
  await writeFile(path.join(dir, `${name}.ass`), script);
  const { stdout } = await execa(
    ffmpeg,
    [
      ...["-v", "error", "-f", "lavfi", "-i", "color=black:s=640x360:d=1:r=24"],
      ...[
        "-vf",
        `subtitles=filename=${name}.ass`,
        "-frames:v",
        "1",
        "-pix_fmt",
        "gray",
        "-f",
        "rawvideo",
        "-",
      ],
    ],
    { cwd: dir, encoding: "buffer" },
  );
  return Buffer.from(stdout);
}

const lit = (pixels: Buffer) => pixels.filter((v) => v > 128).length;

test("burned braces and backslashes are drawn as the characters themselves", async (t) => {
  if (!(await detectCapabilities(ffmpeg)).subtitles)
    return t.skip(`${ffmpeg} has no subtitles filter (libass)`);
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-burn-"));
  // "}x{ \q" needs no escaping for libass (a "{" with no "}" after it is a character): the reference.
  const reference = await draw(dir, "reference", "}x{ \\q");
  assert.ok(lit(reference) > 50, "the reference draws its text");
  assert.deepEqual(await draw(dir, "escaped", assText("}x{ \\q")), reference, "\\{ and \\} draw the braces");
  // The word joiner assText puts after a backslash before N, n or h: "\<joiner>q" draws as "\q" does.
  assert.deepEqual(await draw(dir, "joiner", "}x{ \\\u2060q"), reference, "the joiner draws nothing");
  // And a real override block in the text is drawn, not obeyed: more ink than the text without it.
  const block = await draw(dir, "block", assText("a{\\i1}b"));
  assert.ok(lit(block) > lit(await draw(dir, "plain", "ab")) * 2, "the block's characters are drawn");
});
