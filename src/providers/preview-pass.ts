// Free stand-ins for the passes (preview provider): a lip-sync is the clip with a marker in its corner and the
// prepared voice-over as its only sound; an upscale is the clip scaled. Each is stored as the pass's clip.
import { previewFailure } from "./preview-failure.js";
import type { ClipSidecar } from "../cache/artifacts/index.js";
import { NotStartedError } from "../errors.js";
import { probeMedia } from "../media/probe.js";
import { FFMPEG_PREAMBLE, runTool } from "../media/run.js";
import { preparePassInputs } from "./pass-inputs.js";
import { clipOutput } from "./slate.js";
import { takeSlot } from "./slot.js";
import { storePass } from "./store-clip.js";
import type { PassJob, ProviderContext } from "./types.js";
import { checkClip } from "./verify.js";

// Preview clips are small (640 px on the long side, or less for tests), so an upscale's stand-in scales by the
// target's ratio to 720p (1080p: x1.5) and at most x2: cheap, and still visibly larger than its input.
const PREVIEW_BASE_HEIGHT = 720;
const PREVIEW_MAX_SCALE = 2;

export async function previewPass(job: PassJob, ctx: ProviderContext): Promise<ClipSidecar> {
  const started = ctx.clock.now();
  const tmp = ctx.paths.temp("clip", job.key);
  // The clip keeps its preview size (the model's sides are not met); the lengths are checked, the audio prepared.
  const inputs = await preparePassInputs(job, ctx, { fitSize: false });
  const release = await takeSlot(ctx);
  try {
    if (ctx.stopSubmitting.aborted) throw new NotStartedError();
    const info = await probeMedia(ctx.tools.ffprobe, job.video.file);
    const frames = Math.max(1, Math.round(inputs.video.seconds * info.video!.fps));
    const spec = { frames, fps: info.video!.fps, out: tmp };
    ctx.update({
      state: "in_progress",
      detail: `rendering a preview ${job.pass.kind === "lipsync" ? "lip-sync" : "upscale"}`,
    });
    const args =
      job.pass.kind === "lipsync"
        ? lipsyncArgs(job.video.file, inputs.audio!.file, spec)
        : upscaleArgs(
            job.video.file,
            scaledSize(inputs.video, job.height?.pixels),
            info.audio !== undefined,
            spec,
          );
    await runTool(ctx.tools.ffmpeg, args, { signal: ctx.stopSubmitting });
    const made = await checkClip(ctx.tools, tmp, { duration: inputs.video.seconds });
    const timings = { total_ms: ctx.clock.now() - started };
    return await storePass(job, ctx, tmp, made, { provider: "preview", input: {}, cost: 0, timings });
  } catch (err) {
    return previewFailure(err, tmp, ctx);
  } finally {
    release();
    await inputs.cleanup();
  }
}

interface Spec {
  frames: number;
  fps: number;
  out: string;
}

// The clip with a filled box in its top-right corner, and the voice-over (padded with silence) as its sound.
function lipsyncArgs(video: string, audio: string, s: Spec): string[] {
  const mark = "drawbox=x=iw*7/8:y=0:w=iw/8:h=ih/8:color=0xe0407a@0.9:t=fill";
  return [
    ...FFMPEG_PREAMBLE,
    ...["-i", video, "-i", audio],
    "-filter_complex",
    `[0:v]${mark},format=yuv420p,setsar=1[v];[1:a]aformat=channel_layouts=stereo,apad[a]`,
    // apad is endless: the clip's length ends it.
    ...["-map", "[v]", "-t", (s.frames / s.fps).toFixed(3)],
    ...clipOutput({ ...s, audio: true }),
  ];
}

function upscaleArgs(
  video: string,
  size: { width: number; height: number },
  audio: boolean,
  s: Spec,
): string[] {
  return [
    ...FFMPEG_PREAMBLE,
    ...["-i", video],
    "-filter_complex",
    `[0:v]scale=${size.width}:${size.height},format=yuv420p,setsar=1[v]${audio ? ";[0:a]anull[a]" : ""}`,
    ...["-map", "[v]"],
    ...clipOutput({ ...s, audio }),
  ];
}

// The preview's size times the target's ratio to 720p, at most x2, both sides even.
export function scaledSize(
  input: { width: number; height: number },
  pixels = PREVIEW_BASE_HEIGHT,
): { width: number; height: number } {
  const scale = Math.min(PREVIEW_MAX_SCALE, Math.max(1, pixels / PREVIEW_BASE_HEIGHT));
  const even = (n: number) => Math.max(2, Math.round((n * scale) / 2) * 2);
  return { width: even(input.width), height: even(input.height) };
}
