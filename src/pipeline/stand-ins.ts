// --allow-missing: a slate of a missing shot's length stands in for its clip, so the cut can be seen before
// every shot exists. Slates are made once per (shot id, prompt, length, audio) and kept in <cache>/slates/.
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { tempSibling } from "../cache/atomic.js";
import { readSidecar } from "../cache/artifacts/index.js";
import { probeMedia } from "../media/probe.js";
import { runTool } from "../media/run.js";
import { filmClipKey, type PlannedShot } from "../plan/plan.js";
import { findFont, slateArgs, wrapText } from "../providers/slate.js";
import type { StitchClip } from "../stitch/profile.js";
import type { Shot } from "../storyboard/types.js";
import { removeIfExists, statIfExists } from "../util/fs.js";
import { canonicalJson, sha256 } from "../util/hash.js";
import type { RenderContext } from "./context.js";

export const STAND_IN_PREFIX = "slate:";

// The shots of a plan that have no clip (or no finished clip, after its passes) in the cache, by that key.
export async function missingShots(shots: PlannedShot[], ctx: RenderContext): Promise<Set<string>> {
  const missing = new Set<string>();
  for (const s of shots) {
    const key = filmClipKey(s);
    if (ctx.unusable.has(key) || !(await readSidecar(ctx.paths, "clip", key))) missing.add(key);
  }
  return missing;
}

export function standInKey(shot: Shot): string {
  const what = { id: shot.id, prompt: shot.prompt, seconds: shot.duration, audio: shot.audio, format: 1 };
  return `${STAND_IN_PREFIX}${sha256(canonicalJson(what))}`;
}

// The slate's file, made if it is not there yet, as a clip the stitcher can use in place of the missing one.
export async function standIn(shot: Shot, ctx: RenderContext): Promise<Pick<StitchClip, "file" | "media">> {
  const dir = path.join(ctx.paths.dir, "slates");
  const file = path.join(dir, `${standInKey(shot).slice(STAND_IN_PREFIX.length)}.mp4`);
  if (!(await statIfExists(file))) {
    await mkdir(dir, { recursive: true });
    const tmp = tempSibling(file);
    const titleFile = `${tmp}.title.txt`;
    const textFile = `${tmp}.text.txt`;
    try {
      await writeFile(titleFile, `${shot.id} (missing)`);
      await writeFile(textFile, wrapText(shot.prompt));
      const font = findFont();
      const spec = { width: 640, height: 360, fps: 24, seconds: shot.duration, audio: shot.audio, out: tmp };
      await runTool(ctx.tools.ffmpeg, slateArgs({ ...spec, titleFile, textFile, ...(font && { font }) }));
      await rename(tmp, file);
    } finally {
      for (const f of [tmp, titleFile, textFile]) await removeIfExists(f);
    }
  }
  return { file, media: await probeMedia(ctx.tools.ffprobe, file) };
}
