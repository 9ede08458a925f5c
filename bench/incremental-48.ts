// incremental-48: the issue's film (48 crossfaded 720p shots of 5 s, 5,196 frames) with sound: the clips' own
// audio, a voice-over on every fourth shot and a ducked bed, at -16 LUFS (a film with sound is normalised by
// default). One shot is edited three times over (shots 24, 12 and 36, each replaced by another clip); each
// re-stitch is timed against the first stitch of the same run.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { findMediaTools } from "../src/media/binaries.js";
import { detectCapabilities } from "../src/media/capabilities.js";
import { filmKey } from "../src/stitch/film.js";
import type { StitchClip } from "../src/stitch/profile.js";
import type { FilmSound } from "../src/stitch/sound-graph.js";
import { stitchFilm } from "../src/stitch/stitch.js";
import { stitchClip } from "../testkit/clips.js";
import { toneFile } from "../testkit/ffprobe.js";
import { clip } from "./fixtures.js";
import { median, type Result } from "./lib.js";

const tools = findMediaTools(process.env);
const SHOTS = 48;
const SECONDS = 5;

async function film(dir: string): Promise<{ clips: StitchClip[]; sound: FilmSound }> {
  const files = Array.from({ length: 12 }, (_, i) =>
    clip({ w: 1280, h: 720, seconds: SECONDS, hue: i * 30 }),
  );
  const clips = await Promise.all(
    Array.from({ length: SHOTS }, async (_, i) => ({
      ...(await stitchClip(
        files[i % files.length]!,
        i > 0 ? { transition: { type: "crossfade", duration: 0.5 } } : {},
      )),
      key: `${String(i).padStart(4, "0")}${"1".repeat(60)}`,
      shot: `s${i + 1}`,
    })),
  );
  const voice = await toneFile(dir, 700, 3, 0.25);
  const sound: FilmSound = {
    music: { file: await toneFile(dir, 2000, 7, 0.5), volumeDb: -18, duck: true, fadeIn: 1, fadeOut: 2 },
    voices: clips.flatMap((c, i) =>
      i % 4 === 1 ? [{ file: voice, clip: i, offset: 1, duration: 3, shot: c.shot }] : [],
    ),
  };
  return { clips, sound };
}

async function stitchTimed(clips: StitchClip[], sound: FilmSound, dir: string) {
  const render = { loudness: -16 };
  const t0 = Date.now();
  const record = await stitchFilm(
    {
      clips,
      render,
      output: path.join(dir, "film.mp4"),
      tmpDir: path.join(dir, "tmp"),
      segmentDir: path.join(dir, "segments"),
      tools,
      capabilities: () => detectCapabilities(tools.ffmpeg),
      sound,
    },
    filmKey(clips, render, { bench: true }),
    Date.now,
  );
  return { seconds: (Date.now() - t0) / 1000, record };
}

export async function incremental48(results: Result[]): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-bench-incr48-"));
  const { clips, sound } = await film(dir);
  const first = await stitchTimed(clips, sound, dir);
  const other = clip({ w: 1280, h: 720, seconds: SECONDS, hue: 333 });
  let current = clips;
  const again: Array<{ seconds: number; pieces: number; chunks: number; of: number }> = [];
  for (const shot of [23, 11, 35]) {
    const edited = await stitchClip(other, { transition: current[shot]!.transition });
    current = current.map((c, i) =>
      i === shot ? { ...edited, key: `edit${shot}${"0".repeat(58)}`.slice(0, 64), shot: c.shot } : c,
    );
    const run = await stitchTimed(current, sound, dir);
    const audio = (run.record as { audio_chunks?: { made: number; reused: number } }).audio_chunks;
    again.push({
      seconds: run.seconds,
      pieces: run.record.segments?.made ?? -1,
      chunks: audio?.made ?? -1,
      of: audio ? audio.made + audio.reused : -1,
    });
  }
  const ratio = median(again.map((a) => a.seconds)) / first.seconds;
  results.push({
    id: "incremental-48",
    what: "edit one shot of 48 crossfaded 720p 5 s shots with voice-overs, a ducked bed and -16 LUFS; stitch again (3 edits)",
    value: `${median(again.map((a) => a.seconds)).toFixed(2)} s (${ratio.toFixed(3)}x); pieces re-encoded ${again.map((a) => a.pieces).join(", ")}; audio chunks ${again.map((a) => `${a.chunks} of ${a.of}`).join(", ")}`,
    anchor: `first stitch: ${first.seconds.toFixed(1)} s`,
    target: "<= 0.03x the first stitch",
    met: ratio <= 0.03,
    detail: { first: first.seconds, again, ratio },
  });
}
