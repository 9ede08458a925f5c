// A lip-synced shot against its lip-sync model: it has a voice-over, its whole clip is a length and a size the
// model takes, and the voice-over fits on the clip. What only the made clip can tell is checked before the submit.
import { orList } from "../models/modes.js";
import { passesOfKind } from "../models/passes.js";
import type { PassModel } from "../models/pass-types.js";
import { clipSize } from "./clip-size.js";
import { upscaleBeforeLipsync } from "./passes.js";
import type { DataPath } from "./positions.js";
import type { Report } from "./report-problem.js";
import { voiceEstimate } from "./sound.js";
import type { Shot, ShotDoc, StoryboardDoc } from "./types.js";

export function checkLipsyncs(doc: Partial<StoryboardDoc>, shots: readonly Shot[], report: Report): void {
  if (!Array.isArray(doc.shots)) return;
  for (const shot of shots) {
    if (!shot.lipsync) continue;
    const raw = doc.shots[shot.index] as Partial<ShotDoc>;
    const at = (field: string): DataPath => ["shots", shot.index, field];
    if (raw.voiceover === undefined)
      report(
        at("lipsync"),
        `shot ${shot.id} has lipsync but no voiceover: lip-sync needs the voice-over to lay on the clip`,
      );
    // A duration the shot does not write (defaults.duration, or the model's) is pointed at where lipsync is.
    checkClipLength(shot, typeof raw.duration === "number" ? at("duration") : at("lipsync"), report);
    checkClipSize(shot, at("lipsync"), report);
    // A voice-over that was refused (a bad voice, an empty text) was reported already.
    if (shot.voiceover) checkVoiceLength(shot, at("voiceover"), report);
  }
}

// The whole clip is sent, not its trimmed part: its full duration must be one the model takes.
function checkClipLength(shot: Shot, at: DataPath, report: Report): void {
  const pass = shot.lipsync!.pass;
  if (takesSeconds(pass, shot.duration)) return;
  const fitting = shot.model.durations.filter((d) => takesSeconds(pass, d));
  const others = passesOfKind("lipsync").filter((p) => p !== pass && takesSeconds(p, shot.duration));
  const fixes = [
    ...(fitting.length ? [`make it ${orList(fitting.map(String))} s`] : []),
    ...others.map((p) => `use ${p.name} (${secondsText(p) ?? "any length"})`),
  ];
  report(
    at,
    `shot ${shot.id}'s clip is ${shot.duration} s, and ${pass.name} takes ${secondsText(pass)} of clip (the whole clip is sent, before its trim)${fixes.length ? `: ${fixes.join(", or ")}` : ""}`,
  );
}

function takesSeconds(pass: PassModel, seconds: number): boolean {
  const v = pass.limits.video ?? {};
  return (v.min_seconds === undefined || seconds >= v.min_seconds) && (v.max_seconds ?? seconds) >= seconds;
}

function secondsText(pass: PassModel): string | undefined {
  const { min_seconds: min, max_seconds: max } = pass.limits.video ?? {};
  if (min !== undefined && max !== undefined) return `${min}–${max} s`;
  if (max !== undefined) return `at most ${max} s`;
  return min === undefined ? undefined : `at least ${min} s`;
}

// A clip too large for the model is refused (its paid size would be thrown away); one too small is fine: the
// plan upscales it first, and a long side that upscale takes a little past the limit is fitted locally before
// the submit (for free), unless its shape cannot fit the model's sides at all (a very wide clip).
function checkClipSize(shot: Shot, at: DataPath, report: Report): void {
  const pass = shot.lipsync!.pass;
  const size = clipSize(shot);
  const most = pass.limits.video?.max_side;
  if (!size || most === undefined) return;
  const first = upscaleBeforeLipsync(size, pass);
  const sent = first ? scaled(size, first.pixels) : size;
  if (Math.max(...sent) <= most) return;
  const least = pass.limits.video?.min_side ?? 0;
  if (first && (Math.min(...sent) * most) / Math.max(...sent) >= least) return;
  const lower = (shot.model.resolutions ?? []).filter((r) => {
    const s = clipSize({ ...shot, resolution: r });
    return s !== undefined && !upscaleBeforeLipsync(s, pass) && Math.max(...s) <= most;
  });
  const others = passesOfKind("lipsync").filter(
    (p) => p !== pass && Math.max(...sent) <= (p.limits.video?.max_side ?? Infinity),
  );
  const fixes = [
    ...(lower.length ? [`choose resolution ${orList(lower)}`] : []),
    ...others.map(
      (p) =>
        `use ${p.name} (${p.limits.video?.max_side === undefined ? "any size" : `at most ${p.limits.video.max_side} px`})`,
    ),
  ];
  const clip = first
    ? `${size[0]}x${size[1]}; upscaled to ${first.height} first (${pass.name} needs ${pass.limits.video!.min_side} px a side) it is ${sent[0]}x${sent[1]}`
    : `${size[0]}x${size[1]}`;
  report(
    at,
    `shot ${shot.id}'s clip is ${clip}, and ${pass.name} takes at most ${most} px a side${fixes.length ? `: ${fixes.join(", or ")}` : ""}`,
  );
}

function scaled(size: readonly [number, number], short: number): [number, number] {
  const k = short / Math.min(...size);
  const even = (n: number) => Math.round(n / 2) * 2;
  return [even(size[0] * k), even(size[1] * k)];
}

// The voice-over is laid on the whole clip where it plays in the film (after trim.start and its offset): it must
// end before the clip does, and be audio the model takes. Estimated from its words, as the plan's warning is.
function checkVoiceLength(shot: Shot, at: DataPath, report: Report): void {
  const pass = shot.lipsync!.pass;
  const vo = shot.voiceover!;
  const { words, seconds } = voiceEstimate(vo.text);
  const trimmed = shot.trim?.start ?? 0;
  const start = trimmed + vo.offset;
  const end = start + seconds;
  // The film keeps the clip up to trim.end: a voice-over past it would be cut off with the picture.
  const kept = shot.trim?.end ?? shot.duration;
  const from =
    trimmed > 0
      ? ` from ${round(start)} s (trim.start ${trimmed} + offset ${vo.offset})`
      : vo.offset > 0
        ? ` from ${vo.offset} s`
        : "";
  const said = `is about ${round(seconds)} s (${words} words at 150 a minute)`;
  const most = pass.limits.audio?.max_seconds;
  if (end > kept)
    report(
      at,
      `${said}: lip-synced onto shot ${shot.id}'s ${shot.duration} s clip${from}, it would end at ${round(end)} s, past ${kept < shot.duration ? `the end the shot keeps (trim.end ${kept} s)` : "the clip's end"}. Shorten the text, lower the offset, or lengthen the shot`,
    );
  else if (most !== undefined && end > most)
    report(
      at,
      `${said}: with the ${round(start)} s before it, ${pass.name} would get ${round(end)} s of audio, more than the ${most} s it takes`,
    );
}

function round(s: number): number {
  return Number(s.toFixed(1));
}
