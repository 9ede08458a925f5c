// What the fake fal's pass endpoints serve, made from the files the request named in the fake's own storage: a
// lip-sync is the uploaded clip with the uploaded voice-over as its sound track (tests can hear the voice); an
// upscale is the uploaded clip as it is (cheap), or scaled to the target when the fake is asked to.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PassModel } from "../src/models/pass-types.js";

// The pass's output video, or undefined when its input video is not a file the fake holds.
export function passVideo(
  pass: PassModel,
  input: Record<string, unknown>,
  fileAt: (url: unknown) => Buffer | undefined,
  upscaleForReal = false,
): Buffer | undefined {
  const video = fileAt(input.video_url);
  if (!video) return undefined;
  const audio = pass.kind === "lipsync" ? fileAt(input.audio_url) : undefined;
  const height = pass.kind === "upscale" && upscaleForReal ? targetPixels(pass, input) : undefined;
  if (!audio && height === undefined) return video;
  const dir = mkdtempSync(path.join(tmpdir(), "fake-fal-pass-"));
  try {
    const inVideo = path.join(dir, "in.mp4");
    writeFileSync(inVideo, video);
    const out = path.join(dir, "out.mp4");
    const args = audio ? muxArgs(inVideo, writeTo(dir, audio), out) : scaleArgs(inVideo, height!, out);
    execFileSync("ffmpeg", ["-v", "error", "-y", "-nostdin", ...args]);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function writeTo(dir: string, bytes: Buffer): string {
  const file = path.join(dir, "voice.audio");
  writeFileSync(file, bytes);
  return file;
}

// The clip's picture as it is, the voice-over as its only sound.
function muxArgs(video: string, audio: string, out: string): string[] {
  return ["-i", video, "-i", audio, "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", "-c:a", "aac", out];
}

// The short side to the target's pixels, keeping the shape.
function scaleArgs(video: string, height: number, out: string): string[] {
  const scale = `scale='if(gt(iw,ih),-2,${height})':'if(gt(iw,ih),${height},-2)'`;
  const encode = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"];
  return ["-i", video, "-map", "0:v:0", "-map", "0:a?", "-vf", scale, ...encode, "-c:a", "copy", out];
}

function targetPixels(pass: PassModel, input: Record<string, unknown>): number | undefined {
  const field = Object.entries(pass.input).find(([, rule]) => "from" in rule && rule.from === "height")?.[0];
  const props = (pass.schema.properties ?? {}) as Record<string, { default?: unknown }>;
  const name = field === undefined ? undefined : (input[field] ?? props[field]?.default);
  return typeof name === "string" ? pass.heights?.[name] : undefined;
}
