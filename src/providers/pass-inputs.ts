// A pass's inputs fitted to its model's limits before anything is sent: a clip outside the sides it takes is
// scaled here (free) rather than refused by fal (paid); a voice-over gets its lead silence and the padding the
// model needs; what cannot fit is refused with nothing sent.
import { mkdir, stat } from "node:fs/promises";
import { NotStartedError, ProviderError } from "../errors.js";
import { ffprobeMedia, probeMedia } from "../media/probe.js";
import { FFMPEG_PREAMBLE, runTool, X264_THREADS } from "../media/run.js";
import type { PassLimits } from "../models/pass-types.js";
import { removeIfExists } from "../util/fs.js";
import type { PassJob, ProviderContext } from "./types.js";

// A measured length may overrun a limit by this much (container rounding) and still be taken.
const SECONDS_SLACK = 0.05;
// The voice-over may overrun the clip by this much (the last frame's length, an encoder's padding).
export const AUDIO_OVERRUN_S = 0.1;
// How far under the priced length a cut clip ends (an AAC frame at 44.1 kHz is 23 ms).
const CUT_MARGIN_S = 0.03;
// The prepared voice-over: mono 16-bit PCM at 24 kHz, 48 kB a second (5 MB holds 104 s).
const AUDIO_RATE = 24000;

export interface PassInputs {
  video: { file: string; seconds: number; width: number; height: number; bytes: number };
  audio?: { file: string; seconds: number; bytes: number };
  // Removes the temporary files made here (the job's own files are never touched).
  cleanup(): Promise<void>;
}

export interface FitOptions {
  // Scale the clip into the model's sides (fal); a preview stands in at its own small size and skips it.
  fitSize?: boolean;
}

export async function preparePassInputs(
  job: PassJob,
  ctx: ProviderContext,
  o: FitOptions = {},
): Promise<PassInputs> {
  const temps: string[] = [];
  const cleanup = async () => {
    for (const t of temps) await removeIfExists(t);
  };
  try {
    if (job.pass.kind === "lipsync" && !job.audio) refuse(job, "a lip-sync needs a voice-over");
    await mkdir(ctx.paths.tmp, { recursive: true });
    const video = await fitVideo(job, ctx, o.fitSize ?? true, temps);
    const audio = job.audio && (await fitAudio(job, video.seconds, ctx, temps));
    return { video, ...(audio && { audio }), cleanup };
  } catch (err) {
    await cleanup();
    if (ctx.stopSubmitting.aborted) throw new NotStartedError();
    if (err instanceof ProviderError) throw err;
    // The cached clip or voice-over unreadable, or ffmpeg failing on it: asking fal would not mend it.
    const why = String((err as Error).message).split("\n")[0];
    throw new ProviderError(`${job.label}: preparing its input failed: ${why}`, {
      transient: false,
      cause: err,
    });
  }
}

function refuse(job: PassJob, why: string): never {
  throw new ProviderError(`${job.label}: not sent: ${why}`, { transient: false });
}

async function fitVideo(job: PassJob, ctx: ProviderContext, fitSize: boolean, temps: string[]) {
  const limits = job.pass.limits.video ?? {};
  const info = await probeMedia(ctx.tools.ffprobe, job.video.file);
  if (!info.video) refuse(job, "the clip has no video stream");
  const seconds = info.duration;
  const name = job.pass.name;
  if (limits.min_seconds !== undefined && seconds < limits.min_seconds - SECONDS_SLACK)
    refuse(job, `the clip lasts ${seconds.toFixed(2)} s; ${name} takes ${limits.min_seconds} s at least`);
  if (limits.max_seconds !== undefined && seconds > limits.max_seconds + SECONDS_SLACK)
    refuse(job, `the clip lasts ${seconds.toFixed(2)} s; ${name} takes ${limits.max_seconds} s at most`);
  const { width, height } = info.video;
  const size = fitSize ? fittedSize(width, height, limits) : { width, height };
  // A clip that came back a little longer than planned (5.04 s for 5) is cut to the planned length: fal bills
  // the length sent, and Kling's lip-sync would bill a started 5 s more.
  // The cut keeps one audio frame in hand: an encoder's priming can make the file that much longer than asked.
  const cut = fitSize && seconds > job.pricedSeconds + 0.001 ? job.pricedSeconds - CUT_MARGIN_S : undefined;
  if (!size)
    refuse(
      job,
      `the clip is ${width}x${height}; no size of that shape has its shorter side at least ${limits.min_side} px and its longer side at most ${limits.max_side} px, as ${name} needs`,
    );
  let file = job.video.file;
  const resized = size.width !== width || size.height !== height;
  if (resized || cut !== undefined) {
    file = `${ctx.paths.temp("clip", job.key)}.fit.mp4`;
    temps.push(file);
    const said = [
      resized && `came back ${width}x${height}; scaled to ${size.width}x${size.height}`,
      cut !== undefined && `lasts ${seconds.toFixed(2)} s; cut to the ${job.pricedSeconds} s priced`,
    ].filter(Boolean);
    ctx.update({ state: "uploading", detail: `the clip ${said.join(", and ")} locally for ${name}` });
    await runTool(ctx.tools.ffmpeg, scaleArgs(job.video.file, size, file, cut), {
      signal: ctx.stopSubmitting,
    });
  }
  const bytes = (await stat(file)).size;
  if (limits.max_bytes !== undefined && bytes > limits.max_bytes)
    refuse(job, `the clip is ${mb(bytes)}; ${name} takes ${mb(limits.max_bytes)} at most`);
  return { file, seconds: cut ?? seconds, ...size, bytes };
}

// The size within the model's sides, keeping the clip's shape (even sides); undefined when no size fits.
export function fittedSize(
  width: number,
  height: number,
  limits: NonNullable<PassLimits["video"]>,
): { width: number; height: number } | undefined {
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const min = limits.min_side ?? 0;
  const max = limits.max_side ?? Number.POSITIVE_INFINITY;
  if (short >= min && long <= max) return { width, height };
  const up = short < min;
  const scale = up ? min / short : max / long;
  // Up: round each side up (the short side must reach the minimum); down: round each side down.
  const even = (n: number) =>
    up ? Math.ceil((n * scale) / 2) * 2 : Math.max(2, Math.floor((n * scale) / 2) * 2);
  const fitted = { width: even(width), height: even(height) };
  const [s, l] = [Math.min(fitted.width, fitted.height), Math.max(fitted.width, fitted.height)];
  return s >= min && l <= max ? fitted : undefined;
}

function scaleArgs(
  input: string,
  size: { width: number; height: number },
  out: string,
  seconds?: number,
): string[] {
  return [
    ...FFMPEG_PREAMBLE,
    "-i",
    input,
    ...(seconds !== undefined ? ["-t", seconds.toFixed(3)] : []),
    "-map",
    "0:v:0",
    "-map",
    "0:a?",
    "-vf",
    `scale=${size.width}:${size.height}:flags=lanczos,setsar=1`,
    ...["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", ...X264_THREADS, "-pix_fmt", "yuv420p"],
    ...["-c:a", "copy", "-movflags", "+faststart", "-f", "mp4", out],
  ];
}

async function fitAudio(job: PassJob, videoSeconds: number, ctx: ProviderContext, temps: string[]) {
  const audio = job.audio!;
  const limits = job.pass.limits.audio ?? {};
  const name = job.pass.name;
  const voice = (await ffprobeMedia(ctx.tools.ffprobe, audio.file)).duration;
  const spoken = audio.lead + voice;
  const said =
    audio.lead > 0
      ? `the voice-over ends at ${spoken.toFixed(2)} s`
      : `the voice-over lasts ${voice.toFixed(2)} s`;
  if (spoken > videoSeconds + AUDIO_OVERRUN_S)
    refuse(job, `${said}, past the clip's ${videoSeconds.toFixed(2)} s`);
  if (limits.max_seconds !== undefined && spoken > limits.max_seconds + SECONDS_SLACK)
    refuse(job, `${said}; ${name} takes ${limits.max_seconds} s of audio at most`);
  // Padded with silence to the model's shortest audio, never past the clip.
  const seconds = Math.max(spoken, Math.min(limits.min_seconds ?? 0, videoSeconds));
  const original = (await stat(audio.file)).size;
  const tooBig = limits.max_bytes !== undefined && original > limits.max_bytes;
  if (audio.lead === 0 && seconds <= spoken && !tooBig)
    return { file: audio.file, seconds: voice, bytes: original };
  const file = `${ctx.paths.temp("sound", job.key)}.wav`;
  temps.push(file);
  await runTool(ctx.tools.ffmpeg, audioArgs(audio.file, audio.lead, seconds, file), {
    signal: ctx.stopSubmitting,
  });
  const bytes = (await stat(file)).size;
  if (limits.max_bytes !== undefined && bytes > limits.max_bytes)
    refuse(
      job,
      `the voice-over is ${mb(bytes)} as mono 16-bit wav; ${name} takes ${mb(limits.max_bytes)} at most`,
    );
  return { file, seconds, bytes };
}

// The voice-over as mono 24 kHz wav: `lead` seconds of silence before it, silence after it up to `seconds`.
// adelay and apad with -t, not adelay's all= or apad's whole_dur: ffmpeg 4.1 has neither.
function audioArgs(input: string, lead: number, seconds: number, out: string): string[] {
  const delay = Math.round(lead * 1000);
  return [
    ...FFMPEG_PREAMBLE,
    "-i",
    input,
    "-af",
    `aformat=channel_layouts=mono,aresample=${AUDIO_RATE}${delay > 0 ? `,adelay=${delay}` : ""},apad`,
    ...[
      "-t",
      seconds.toFixed(3),
      "-ac",
      "1",
      "-ar",
      String(AUDIO_RATE),
      "-c:a",
      "pcm_s16le",
      "-f",
      "wav",
      out,
    ],
  ];
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
