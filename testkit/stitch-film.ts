// A film with sound stitched into a folder, as a render does (its pieces and audio chunks kept in that
// folder's segments/): stitching the same folder again after an edit reuses what the edit did not reach.
import path from "node:path";
import { findMediaTools, type MediaTools } from "../src/media/binaries.js";
import { detectCapabilities } from "../src/media/capabilities.js";
import { filmKey } from "../src/stitch/film.js";
import type { StitchClip } from "../src/stitch/profile.js";
import type { FilmSound } from "../src/stitch/sound-graph.js";
import { type StitchOptions, stitchFilm } from "../src/stitch/stitch.js";

export async function stitchSoundIn(
  dir: string,
  clips: StitchClip[],
  sound: FilmSound,
  o: { render?: StitchOptions["render"]; tools?: MediaTools; audioChunkFrames?: number } = {},
) {
  const render = o.render ?? {};
  const tools = o.tools ?? findMediaTools(process.env);
  const output = path.join(dir, "film.mp4");
  const record = await stitchFilm(
    {
      clips,
      render,
      output,
      tmpDir: path.join(dir, "tmp"),
      segmentDir: path.join(dir, "segments"),
      tools,
      capabilities: () => detectCapabilities(tools.ffmpeg),
      sound,
      ...(o.audioChunkFrames && { audioChunkFrames: o.audioChunkFrames }),
    },
    filmKey(clips, render, { test: true }),
    Date.now,
  );
  return { record, output };
}
