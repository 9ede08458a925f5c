// Which ffmpeg makes a film's sound: the bundled static one beside a system ffmpeg (it starts in 1 ms, not
// 90), for the bed, the mix and the AAC alone; the configured one for all of it when the bundled one fails.
// A film's chunks come from one binary: its name is in their keys.
import assert from "node:assert/strict";
import { chmod, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { findMediaTools, type MediaTools } from "../../src/media/binaries.js";
import type { FilmSound } from "../../src/stitch/sound-graph.js";
import { alone, BUNDLED, makeClip, stitchClip } from "../../testkit/clips.js";
import { decodesCleanly, toneFile } from "../../testkit/ffprobe.js";
import { stitchSoundIn } from "../../testkit/stitch-film.js";

const SYSTEM = alone(findMediaTools(process.env));

// The bundled ffmpeg behind a script that writes down each command line it is given, or, `failing` on a
// command line with this in it, exits 1 there.
async function wrappedBundled(dir: string, failing?: string): Promise<{ file: string; log: string }> {
  const file = path.join(dir, failing ? "failing-ffmpeg" : "bundled-ffmpeg");
  const log = path.join(dir, "bundled.log");
  const fail = failing ? `case "$*" in *'${failing}'*) exit 1;; esac\n` : "";
  await writeFile(file, `#!/bin/sh\n${fail}echo "$*" >> '${log}'\nexec '${BUNDLED.ffmpeg}' "$@"\n`);
  await chmod(file, 0o755);
  return { file, log };
}

test("the bundled ffmpeg makes the sound, the system one the picture; a failing bundled one hands it all over", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-sound-binary-"));
  const fade = { transition: { type: "crossfade" as const, duration: 0.5 } };
  const clips = await Promise.all(
    [0, 90, 180, 270].map((hue, i) => stitchClip(makeClip({ hue, audio: true }), i ? fade : {}, SYSTEM)),
  );
  const sound: FilmSound = {
    music: {
      file: await toneFile(dir, 2000, 1.5, 0.5),
      volumeDb: -18,
      duck: true,
      fadeIn: 0.5,
      fadeOut: 0.5,
    },
    voices: [{ file: await toneFile(dir, 700, 1, 0.25), clip: 1, offset: 0.2, duration: 1, shot: "b" }],
  };
  const stitch = (folder: string, tools: MediaTools) =>
    stitchSoundIn(path.join(dir, folder), clips, sound, { tools, render: { loudness: -16 } });
  const quick = await wrappedBundled(dir);

  const first = await stitch("a", { ...SYSTEM, quickFfmpeg: quick.file });
  const lines = (await readFile(quick.log, "utf8")).trim().split("\n");
  assert.ok(
    lines.some((l) => l.includes("f32le") && l.includes("-c:a aac")),
    "the AAC is the bundled one's",
  );
  assert.ok(
    lines.some((l) => l.includes("sidechaincompress")),
    "so is the mix",
  );
  assert.ok(!lines.some((l) => l.includes("libx264")), "the picture is the system ffmpeg's");
  const chunks = first.record.audio_chunks!.made;
  assert.ok(chunks > 0);

  // The bundled ffmpeg fails at the AAC, after the mix: the configured one makes every chunk, the film is
  // whole, and nothing of the attempt is left in the film's temp folder.
  const failing = await wrappedBundled(dir, "-f adts");
  const second = await stitch("b", { ...SYSTEM, quickFfmpeg: failing.file });
  assert.deepEqual(second.record.audio_chunks, { made: chunks, reused: 0 });
  const decoded = await decodesCleanly(second.output);
  assert.ok(decoded.ok && Math.abs(decoded.duration - second.record.duration) < 0.1, "a whole film");
  assert.deepEqual(await readdir(path.join(dir, "b", "tmp")), []);
  // Its chunks are not the bundled one's: with that one back, the film's sound is made again, all by it.
  const again = await stitch("b", { ...SYSTEM, quickFfmpeg: quick.file });
  assert.deepEqual(again.record.audio_chunks, { made: chunks, reused: 0 });
});
