// The preview provider: a free, offline animatic (slow Ken Burns zoom over the shot's image) shaped like a fal clip;
// a slate (the shot's id and prompt on a card) when the image is a URL, since preview works offline.
import { previewFailure } from "./preview-failure.js";
import { mkdir, writeFile } from "node:fs/promises";
import type { ClipSidecar } from "../cache/artifacts/index.js";
import { FFMPEG_PREAMBLE, runTool } from "../media/run.js";
import type { Shot } from "../storyboard/types.js";
import { ratioOf } from "../models/modes.js";
import type { ClipJob, StepProvider, ProviderContext } from "./types.js";
import { NotStartedError } from "../errors.js";
import { clipOutput, findFont, slateArgs, wrapText } from "./slate.js";
import { previewStill } from "./preview-still.js";
import { previewPass } from "./preview-pass.js";
import { previewSound } from "./preview-sound.js";
import { takeSlot } from "./slot.js";
import { storeClip } from "./store-clip.js";
import { checkClip } from "./verify.js";
import { removeIfExists } from "../util/fs.js";

export const PREVIEW_FPS = 24;
// The long side of a preview clip. A smaller one (STORYREEL_PREVIEW_SIZE) is for tests: 160 px encodes ~3x faster.
export const PREVIEW_LONG_SIDE = 640;

export function previewProviderOfSize(longSide = PREVIEW_LONG_SIDE): StepProvider {
  return {
    id: "preview",
    generate: (job, ctx) => generate(job, ctx, longSide),
    still: previewStill,
    sound: previewSound,
    pass: previewPass,
  };
}

export const previewProvider = previewProviderOfSize();

async function generate(job: ClipJob, ctx: ProviderContext, longSide: number): Promise<ClipSidecar> {
  const { shot } = job;
  const started = ctx.clock.now();
  await mkdir(ctx.paths.tmp, { recursive: true });
  const tmp = ctx.paths.temp("clip", job.key);
  const release = await takeSlot(ctx);
  try {
    if (ctx.stopSubmitting.aborted) throw new NotStartedError();
    // Previews are free: the first Ctrl-C stops them at once, and the next run makes them again.
    const run = { signal: ctx.stopSubmitting };
    const refs = (shot.references ?? []).flatMap((r) => (r.image.kind === "file" ? [r.image.path] : []));
    if (shot.image?.kind === "file") {
      ctx.update({ state: "in_progress", detail: "rendering preview" });
      await runTool(ctx.tools.ffmpeg, previewArgs(shot, shot.image.path, tmp, job.key, longSide), run);
    } else if (!shot.image && refs.length > 0 && refs.length === shot.references!.length) {
      // Reference-to-video: the cast side by side, so the preview shows who is in the shot.
      ctx.update({ state: "in_progress", detail: "rendering preview of the references" });
      await runTool(ctx.tools.ffmpeg, referencePreviewArgs(shot, refs, tmp, job.key, longSide), run);
    } else {
      // Text-to-video, or a URL that cannot be fetched offline: a slate with the shot's id and prompt.
      ctx.update({
        state: "in_progress",
        detail: shot.image
          ? "rendering a slate (the image is a URL; preview works offline)"
          : "rendering a slate (text-to-video)",
      });
      await makeSlate(ctx, shot, tmp, longSide);
    }
    const info = await checkClip(ctx.tools, tmp, shot);
    const timings = { total_ms: ctx.clock.now() - started };
    return await storeClip(job, ctx, tmp, info, { provider: "preview", input: {}, cost: 0, timings });
  } catch (err) {
    return previewFailure(err, tmp, ctx);
  } finally {
    release();
  }
}

async function makeSlate(ctx: ProviderContext, shot: Shot, out: string, longSide: number): Promise<void> {
  const titleFile = `${out}.title.txt`;
  const textFile = `${out}.text.txt`;
  try {
    await writeFile(titleFile, shot.id);
    await writeFile(textFile, wrapText(shot.prompt));
    const font = findFont();
    const [width, height] = previewSize(16, 9, longSide);
    const spec = {
      width,
      height,
      fps: PREVIEW_FPS,
      seconds: shot.duration,
      audio: shot.audio,
    };
    const args = slateArgs({ ...spec, titleFile, textFile, ...(font && { font }), out });
    await runTool(ctx.tools.ffmpeg, args, { signal: ctx.stopSubmitting });
  } finally {
    await removeIfExists(titleFile);
    await removeIfExists(textFile);
  }
}

// Output size: the image's aspect with the long side at 640 px (or as given), both sides even.
export function previewSize(width: number, height: number, longSide = PREVIEW_LONG_SIDE): [number, number] {
  const scale = longSide / Math.max(width, height);
  const even = (n: number) => Math.max(2, Math.round((n * scale) / 2) * 2);
  return [even(width), even(height)];
}

export function previewArgs(
  shot: Shot,
  image: string,
  out: string,
  key: string,
  longSide = PREVIEW_LONG_SIDE,
): string[] {
  const [w, h] =
    shot.image?.kind === "file"
      ? previewSize(shot.image.width, shot.image.height, longSide)
      : previewSize(16, 9, longSide);
  return animaticArgs(shot, ["-i", image], "[0:v]", [w, h], out, key);
}

// The references scaled to one height and laid side by side, padded to the film's shape.
export function referencePreviewArgs(
  shot: Shot,
  images: string[],
  out: string,
  key: string,
  longSide = PREVIEW_LONG_SIDE,
): string[] {
  const [w, h] = previewSize(ratioOf(shot.aspectRatio ?? "16:9"), 1, longSide);
  const inputs = images.flatMap((file) => ["-i", file]);
  const row = images.map((_, i) => `[${i}:v]scale=-2:${h * 2},setsar=1[r${i}]`).join(";");
  const stack =
    images.length > 1
      ? `${images.map((_, i) => `[r${i}]`).join("")}hstack=inputs=${images.length}`
      : "[r0]null";
  const fit = `scale=${w * 2}:${h * 2}:force_original_aspect_ratio=decrease,pad=${w * 2}:${h * 2}:(ow-iw)/2:(oh-ih)/2`;
  return animaticArgs(shot, inputs, `${row};${stack},${fit}[cast];[cast]`, [w, h], out, key, images.length);
}

function animaticArgs(
  shot: Shot,
  video: string[],
  source: string,
  [w, h]: [number, number],
  out: string,
  key: string,
  inputs = 1,
): string[] {
  const frames = Math.round(shot.duration * PREVIEW_FPS);
  const zoom = `zoompan=z='1+0.12*on/${frames}':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=${w}x${h}:fps=${PREVIEW_FPS}`;
  // The image is decoded and scaled once, then repeated by the loop filter: a 6000x4000 photo costs no more
  // than a small one.
  // A quiet tone whose pitch comes from the key, so shots with audio sound different from each other.
  const pitch = 180 + (parseInt(key.slice(0, 4), 16) % 400);
  const audio = shot.audio
    ? ["-f", "lavfi", "-i", `sine=frequency=${pitch}:sample_rate=48000:duration=${shot.duration}`]
    : [];
  const graph =
    `${source}scale=${w * 2}:${h * 2},loop=loop=-1:size=1:start=0,${zoom},format=yuv420p,setsar=1[v]` +
    (shot.audio
      ? `;[${inputs}:a]volume=0.08,aformat=channel_layouts=stereo,afade=t=in:d=0.2,afade=t=out:st=${shot.duration - 0.3}:d=0.3[a]`
      : "");
  return [
    ...FFMPEG_PREAMBLE,
    ...video,
    ...audio,
    "-filter_complex",
    graph,
    "-map",
    "[v]",
    ...clipOutput({ frames, fps: PREVIEW_FPS, audio: shot.audio, out, crf: 26 }),
  ];
}
