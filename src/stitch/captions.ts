// Captions as cues timed in whole film frames: each shot's caption from the frame its shot starts (inside
// the transition into it) to the frame the next shot starts, or the film's end. SRT and WebVTT text.

export interface Cue {
  shot: string;
  text: string;
  startFrame: number;
  endFrame: number;
}

export function captionCues(
  shots: Array<{ id: string; caption?: string }>,
  starts: number[],
  totalFrames: number,
): Cue[] {
  return shots.flatMap((s, i) =>
    s.caption
      ? [{ shot: s.id, text: s.caption, startFrame: starts[i]!, endFrame: starts[i + 1] ?? totalFrames }]
      : [],
  );
}

export function toSrt(cues: Cue[], fps: number): string {
  return cues
    .map(
      (c, i) =>
        `${i + 1}\n${stamp(c.startFrame, fps, ",")} --> ${stamp(c.endFrame, fps, ",")}\n${lines(c.text)}\n`,
    )
    .join("\n");
}

export function toVtt(cues: Cue[], fps: number): string {
  const body = cues.map(
    (c) =>
      `${c.shot}\n${stamp(c.startFrame, fps, ".")} --> ${stamp(c.endFrame, fps, ".")}\n${lines(c.text).replace(/&/g, "&amp;").replace(/</g, "&lt;")}\n`,
  );
  return ["WEBVTT\n", ...body].join("\n");
}

// A blank line would end the cue early, and "-->" would start a new one.
function lines(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/\n\s*\n+/g, "\n")
    .replace(/-->/g, "->");
}

// HH:MM:SS,mmm of a frame, to the millisecond (a frame at 24 fps is 41.67 ms).
function stamp(frame: number, fps: number, comma: string): string {
  const ms = Math.round((frame / fps) * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(h)}:${pad(m)}:${pad(s)}${comma}${pad(ms % 1000, 3)}`;
}
