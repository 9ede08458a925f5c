// Offline stand-ins for voice-overs and music beds, so the mix can be heard before anything is paid for:
// speech from espeak-ng or ffmpeg's flite where present, else a tone with a speech-like pulse of the
// estimated length; a bed is a soft chord that changes every two seconds, of the length asked for.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SoundSidecar } from "../cache/artifacts/index.js";
import { NotStartedError, RunError } from "../errors.js";
import { detectCapabilities } from "../media/capabilities.js";
import { FFMPEG_PREAMBLE, runTool } from "../media/run.js";
import { removeIfExists } from "../util/fs.js";
import { takeSlot } from "./slot.js";
import { storeSound } from "./sound-file.js";
import type { ProviderContext, SoundJob } from "./types.js";

const WORDS_PER_SECOND = 2.5;
const PCM = ["-ar", "48000", "-ac", "2", "-c:a", "pcm_s16le", "-f", "wav"];

export async function previewSound(job: SoundJob, ctx: ProviderContext): Promise<SoundSidecar> {
  await mkdir(ctx.paths.tmp, { recursive: true });
  const tmp = ctx.paths.temp("sound", job.key);
  const release = await takeSlot(ctx);
  try {
    if (ctx.stopSubmitting.aborted) throw new NotStartedError();
    ctx.update({
      state: "in_progress",
      detail: job.standIn === "speech" ? "speaking a stand-in" : "playing a stand-in bed",
    });
    const voicedBy = job.standIn === "bed" ? await bed(job, ctx, tmp) : await speak(job, ctx, tmp);
    return await storeSound(job, ctx, tmp, { provider: "preview", cost: 0, voiced_by: voicedBy });
  } catch (err) {
    await removeIfExists(tmp);
    throw err;
  } finally {
    release();
  }
}

// Each stand-in voice is brought to the same speech level, so the animatic's balance is the film's.
const LEVEL = ["-af", "loudnorm=I=-20:TP=-2:LRA=11"];

// espeak-ng, else flite, else a tone: a voice that fails falls through to the next.
async function speak(job: SoundJob, ctx: ProviderContext, out: string): Promise<string> {
  const run = { signal: ctx.stopSubmitting };
  const voice = String(job.input.voice ?? "");
  if (await hasEspeak()) {
    const raw = `${out}.espeak.wav`;
    try {
      await runTool(
        "espeak-ng",
        ["-v", voice.startsWith("am_") ? "en-us+m3" : "en-us+f3", "-w", raw, "--", job.text],
        run,
      );
      await runTool(ctx.tools.ffmpeg, [...FFMPEG_PREAMBLE, "-i", raw, ...LEVEL, ...PCM, out], run);
      return "espeak-ng";
    } catch (err) {
      if (!(err instanceof RunError) || ctx.stopSubmitting.aborted) throw err;
    } finally {
      await removeIfExists(raw);
    }
  }
  if ((await detectCapabilities(ctx.tools.ffmpeg)).flite) {
    // flite reads the text from a file named relatively, so no path needs escaping inside the filtergraph.
    const text = `${path.basename(out)}.txt`;
    await writeFile(path.join(path.dirname(out), text), job.text);
    try {
      const speaker = voice.startsWith("am_") ? "kal16" : "slt";
      const source = `flite=textfile=${text}:voice=${speaker}`;
      await runTool(
        ctx.tools.ffmpeg,
        [...FFMPEG_PREAMBLE, "-f", "lavfi", "-i", source, ...LEVEL, ...PCM, path.basename(out)],
        { ...run, cwd: path.dirname(out) },
      );
      return "flite";
    } catch (err) {
      if (!(err instanceof RunError) || ctx.stopSubmitting.aborted) throw err;
    } finally {
      await removeIfExists(path.join(path.dirname(out), text));
    }
  }
  const words = job.text.split(/\s+/).filter(Boolean).length;
  const seconds = Math.max(0.5, words / WORDS_PER_SECOND).toFixed(3);
  const tone = `aevalsrc=0.3*sin(2*PI*180*t)*(0.55+0.45*sin(2*PI*4*t)):s=48000:d=${seconds}`;
  await runTool(ctx.tools.ffmpeg, [...FFMPEG_PREAMBLE, "-f", "lavfi", "-i", tone, ...PCM, out], run);
  return "tone";
}

// A triad that alternates between A minor and F major every two seconds, quietly.
async function bed(job: SoundJob, ctx: ProviderContext, out: string): Promise<string> {
  const seconds = job.seconds ?? 30;
  const chord = (a: number, b: number, c: number) =>
    `0.12*sin(2*PI*${a}*t)+0.09*sin(2*PI*${b}*t)+0.09*sin(2*PI*${c}*t)`;
  const expr = `if(lt(mod(t\\,4)\\,2)\\,${chord(220, 261.63, 329.63)}\\,${chord(174.61, 220, 261.63)})`;
  const source = `aevalsrc=${expr}:s=48000:d=${seconds}`;
  await runTool(ctx.tools.ffmpeg, [...FFMPEG_PREAMBLE, "-f", "lavfi", "-i", source, ...PCM, out], {
    signal: ctx.stopSubmitting,
  });
  return "chord";
}

let espeak: Promise<boolean> | undefined;
function hasEspeak(): Promise<boolean> {
  espeak ??= runTool("espeak-ng", ["--version"]).then(
    () => true,
    () => false,
  );
  return espeak;
}
