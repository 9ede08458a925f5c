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

// A blank line would end the cue early and "-->" would start a new one; everything else is written as it is.
function lines(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/\n\s*\n+/g, "\n")
    .replace(/-->/g, "->");
}

// Text as libass shows it literally. Outside an override block libass reads only "\N", "\n", "\h", "\{" and
// "\}" as escapes, and "{...}" as a block: braces are escaped, a line break becomes "\N", and a backslash
// before N, n or h gets a word joiner (invisible, zero width) so it stays a character. A backslash before
// anything else, another backslash or an escaped brace included, is already shown as itself.
export function assText(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/\\(?=[Nnh])/g, "\\\u2060")
    .replace(/[{}]/g, "\\$&")
    .replace(/\n/g, "\\N");
}

// HH:MM:SS,mmm of a frame, rounded down to the millisecond: players show a cue from the first frame whose
// time is at or after its start, so rounding up (291.667 ms to 292) would start it a frame late.
function stamp(frame: number, fps: number, comma: string): string {
  const ms = Math.floor((frame / fps) * 1000 + 1e-6);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(h)}:${pad(m)}:${pad(s)}${comma}${pad(ms % 1000, 3)}`;
}

// Captions to burn in, as an ASS script sized to the film: text is shown as written (assText: SRT's <tags>
// and {\codes} would be read as markup), in centiseconds rounded down, so a cue never starts a frame late.
export function toAss(cues: Cue[], fps: number, width: number, height: number): string {
  const size = Math.max(12, Math.round(height / 18));
  const cs = (frame: number) => {
    const t = Math.floor((frame / fps) * 100 + 1e-6);
    const pad = (n: number) => String(n).padStart(2, "0");
    return `${Math.floor(t / 360000)}:${pad(Math.floor(t / 6000) % 60)}:${pad(Math.floor(t / 100) % 60)}.${pad(t % 100)}`;
  };
  return [
    "[Script Info]",
    "ScriptType: v4.00+",
    `PlayResX: ${width}`,
    `PlayResY: ${height}`,
    "WrapStyle: 0",
    "",
    "[V4+ Styles]",
    "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
    `Style: Default,DejaVu Sans,${size},&H00FFFFFF,&H00FFFFFF,&H00000000,&H80000000,0,0,0,0,100,100,0,0,1,${Math.max(1, Math.round(size / 14))},0,2,${Math.round(width / 20)},${Math.round(width / 20)},${Math.round(height / 20)},1`,
    "",
    "[Events]",
    "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ...cues.map(
      (c) => `Dialogue: 0,${cs(c.startFrame)},${cs(c.endFrame)},Default,,0,0,0,,${assText(c.text)}`,
    ),
    "",
  ].join("\n");
}
