// A film with sound stitched into a folder, as a render does (its pieces and audio chunks kept in that
// folder's segments/): stitching the same folder again after an edit reuses what the edit did not reach.
import path from "node:path";
import { findMediaTools, type MediaTools } from "../src/media/binaries.js";
import { detectCapabilities } from "../src/media/capabilities.js";
import { filmKey } from "../src/stitch/film.js";
import type { StitchClip } from "../src/stitch/profile.js";
import type { FilmSound } from "../src/stitch/sound-graph.js";
import { type StitchOptions, stitchFilm } from "../src/stitch/stitch.js";

// A film stitched into `dir` (film.mp4, with its pieces in segments/), with the stage's options as a render
// passes them.
export async function stitchIn(
  dir: string,
  clips: StitchClip[],
  o: { render?: StitchOptions["render"]; tools?: MediaTools; extra?: Partial<StitchOptions> } = {},
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
      ...o.extra,
    },
    filmKey(clips, render),
    Date.now,
  );
  return { record, output };
}

export function stitchSoundIn(
  dir: string,
  clips: StitchClip[],
  sound: FilmSound,
  o: { render?: StitchOptions["render"]; tools?: MediaTools; audioChunkFrames?: number } = {},
) {
  const extra = { sound, ...(o.audioChunkFrames && { audioChunkFrames: o.audioChunkFrames }) };
  return stitchIn(dir, clips, {
    ...(o.render && { render: o.render }),
    ...(o.tools && { tools: o.tools }),
    extra,
  });
}
