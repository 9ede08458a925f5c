// A slate: a plain card with a shot's id and prompt, of exactly the shot's length. The preview provider makes
// one for a shot whose image is a URL (it works offline); --allow-missing puts one where a clip is missing.
import { existsSync } from "node:fs";
import { FFMPEG_PREAMBLE, X264_THREADS } from "../media/run.js";

// Fonts found on Debian/Ubuntu, Fedora, macOS and Windows; without one the card has no text, and says nothing.
const FONTS = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
  "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
  "/System/Library/Fonts/Supplemental/Arial.ttf",
  "/Library/Fonts/Arial.ttf",
  "C:\\Windows\\Fonts\\arial.ttf",
];

export function findFont(exists: (file: string) => boolean = existsSync): string | undefined {
  return FONTS.find((f) => exists(f));
}

export interface SlateSpec {
  width: number;
  height: number;
  fps: number;
  seconds: number;
  // The card's lines: the title large, the rest (already wrapped) below it, read from files so no text needs
  // escaping inside the filtergraph.
  titleFile?: string;
  textFile?: string;
  font?: string;
  audio: boolean;
  out: string;
}

// Words wrapped to lines of at most `width` characters, at most `lines` of them.
export function wrapText(text: string, width = 48, lines = 8): string {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = "";
    }
    line = line ? `${line} ${word}` : word.slice(0, width);
  }
  if (line) out.push(line);
  return out.length > lines ? [...out.slice(0, lines - 1), `${out[lines - 1]}…`].join("\n") : out.join("\n");
}

export function slateArgs(s: SlateSpec): string[] {
  const frames = Math.round(s.seconds * s.fps);
  const text = (file: string, size: number, y: string) =>
    `,drawtext=fontfile='${filterPath(s.font!)}':textfile='${filterPath(file)}':fontcolor=white:fontsize=${size}:x=(w-text_w)/2:y=${y}`;
  const size = Math.max(12, Math.round(s.height / 18));
  const title = s.font && s.titleFile ? text(s.titleFile, size * 2, `h/3-text_h`) : "";
  const body = s.font && s.textFile ? text(s.textFile, size, `h/3+${size}`) : "";
  const video = `color=c=0x1d2530:s=${s.width}x${s.height}:r=${s.fps}:d=${s.seconds}`;
  return [
    ...FFMPEG_PREAMBLE,
    "-f",
    "lavfi",
    "-i",
    video,
    // Silence of exactly the shot's length (a source with a duration, as the preview's tone has).
    ...(s.audio ? ["-f", "lavfi", "-i", `sine=frequency=220:sample_rate=48000:duration=${s.seconds}`] : []),
    "-filter_complex",
    `[0:v]format=yuv420p,setsar=1${title}${body}[v]` +
      (s.audio ? ";[1:a]volume=0,aformat=channel_layouts=stereo[a]" : ""),
    "-map",
    "[v]",
    ...clipOutput({ frames, fps: s.fps, audio: s.audio, out: s.out }),
  ];
}

// How the providers' clips are written: h264 and, with audio, 96 kbit/s AAC at 48 kHz, of exactly `frames`.
export function clipOutput(o: {
  frames: number;
  fps: number;
  audio: boolean;
  out: string;
  crf?: number;
}): string[] {
  return [
    ...(o.audio ? ["-map", "[a]", "-c:a", "aac", "-b:a", "96k", "-ar", "48000"] : []),
    ...["-frames:v", String(o.frames), "-c:v", "libx264", "-preset", "veryfast", ...X264_THREADS],
    ...(o.crf === undefined ? [] : ["-crf", String(o.crf)]),
    ...["-pix_fmt", "yuv420p", "-r", String(o.fps), "-movflags", "+faststart", "-f", "mp4", o.out],
  ];
}

// A path inside a quoted filter option: backslashes and quotes escaped, and the drive colon on Windows.
export function filterPath(file: string): string {
  // Inside single quotes a quote is written as '\'' (close, escaped quote, reopen), and the graph parser
  // takes one more level of backslashes.
  return file.replace(/\\/g, "/").replace(/'/g, "'\\\\\\''").replace(/:/g, "\\:");
}
