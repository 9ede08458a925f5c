// What this ffmpeg can do: its version and the filters the stitcher chooses between (4.1 has no xfade).
import { runToolWithBoth } from "./run.js";

export interface Capabilities {
  version: string;
  xfade: boolean;
  // libass (captions burned in), libflite (offline voice-over stand-ins), and the ducking compressor.
  subtitles: boolean;
  flite: boolean;
  sidechaincompress: boolean;
}

const memo = new Map<string, Promise<Capabilities>>();

export function detectCapabilities(ffmpeg: string): Promise<Capabilities> {
  let found = memo.get(ffmpeg);
  if (!found) {
    found = probeCapabilities(ffmpeg);
    memo.set(ffmpeg, found);
  }
  return found;
}

async function probeCapabilities(ffmpeg: string): Promise<Capabilities> {
  // One process, not two: the banner on stderr carries the version (starting ffmpeg costs about 0.13 CPU-s).
  const { stdout: filters, stderr: version } = await runToolWithBoth(ffmpeg, ["-filters"]);
  const has = (name: string) => new RegExp(`^\\s*\\S+\\s+${name}\\s`, "m").test(filters);
  return {
    version: /ffmpeg version (\S+)/.exec(version)?.[1] ?? "unknown",
    xfade: has("xfade"),
    subtitles: has("subtitles"),
    flite: has("flite"),
    sidechaincompress: has("sidechaincompress"),
  };
}
