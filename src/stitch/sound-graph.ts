// The film's sound over its clips' own audio: voice-overs placed at their shots' starts plus their offsets,
// and a music bed looped or trimmed to the film, faded, set to its level and ducked under everything spoken.
// Ducking is sidechain compression keyed by the speech (the clips' audio and the voice-overs): the key is
// boosted 40 dB and hard-clipped first, so speech at -45 dBFS or louder ducks the bed by at least 12 dB
// whatever its level, and digital silence (a shot without audio) leaves the bed alone.
import { type Graph, SAMPLE_RATE } from "./graph.js";
import type { Timing } from "./profile.js";
import { PCM_INPUT } from "./args.js";

// sidechaincompress: threshold 0.1 (-20 dBFS), ratio 20, against a key hard-clipped near full scale: about
// (20 - 3) x (1 - 1/20) = 16 dB. Measured by test/e2e/sound-mix.test.ts (17 to 19 dB); documented as "at least 12".
export const DUCK_DB = 16;
export const DUCK = "threshold=0.1:ratio=20:attack=5:release=300:knee=1:makeup=1";
const STEREO = "aformat=sample_fmts=fltp:channel_layouts=stereo";
const FORMAT = `aresample=${SAMPLE_RATE},${STEREO}`;

export interface FilmSound {
  // `seconds`: the bed's own length, kept in the film's record so a timeline export can loop it too.
  music?: {
    file: string;
    volumeDb: number;
    duck: boolean;
    fadeIn: number;
    fadeOut: number;
    seconds?: number;
  };
  // Each voice-over with the index of its shot among the film's clips.
  voices: Array<{ file: string; clip: number; offset: number; duration?: number; shot?: string }>;
}

// Frame at which each clip starts in the film (a transition starts the next clip inside the last one).
export function clipStarts(timing: Timing): number[] {
  const starts: number[] = [];
  let at = 0;
  timing.lengths.forEach((len, i) => {
    at -= timing.overlaps[i]!;
    starts.push(at);
    at += len;
  });
  return starts;
}

// The extra ffmpeg inputs, in order after the clips: the voice-overs a window hears (`voices`, from its
// MixGraph), then the bed: its samples at 48 kHz (stereo f32, bedPcm()), looped without end, so a window of
// the film finds its place in the loop exactly.
export function soundInputs(sound: FilmSound, voices: number[], bedPcm?: string): string[] {
  return [
    ...voices.flatMap((k) => ["-i", sound.voices[k]!.file]),
    ...(sound.music
      ? ["-stream_loop", "-1", ...(bedPcm ? PCM_INPUT : []), "-i", bedPcm ?? sound.music.file]
      : []),
  ];
}

// A span of the film in samples: what one mix pass makes (the whole film by default).
export interface MixWindow {
  from: number;
  to: number;
  // The bed's loop length in samples (the window starts at `from` modulo it).
  bedSamples?: number;
}

// Where each voice-over plays, in film samples: from `at` until the next voice of its lane starts (or the film
// ends), in lanes that never overlap. The same for every window, so a window sums what the whole film would.
export function placeVoices(sound: FilmSound, timing: Timing, fps: number) {
  const total = filmSamples(timing, fps);
  const starts = clipStarts(timing);
  const placed = sound.voices.map((v, k) => {
    const ms = Math.round((starts[v.clip]! / fps + v.offset) * 1000);
    const at = (ms * SAMPLE_RATE) / 1000;
    return { k, at, end: v.duration === undefined ? total : at + Math.ceil(v.duration * SAMPLE_RATE) };
  });
  return voiceLanes(placed, total).map((lane) =>
    lane.map((v, i) => ({ k: v.k, at: v.at, until: lane[i + 1]?.at ?? total })),
  );
}

export function filmSamples(timing: Timing, fps: number): number {
  return Math.round((timing.totalFrames / fps) * SAMPLE_RATE);
}

// The bed's fades as afade filters, in film time (a window's bed keeps the film's timestamps through them),
// each with the seconds it acts on: a fade in up to its end, a fade out from its start to the film's end.
export function bedFades(
  music: NonNullable<FilmSound["music"]>,
  seconds: number,
): Array<{ filter: string; from: number; to: number }> {
  // Fades longer than half a short film would overlap: each gets at most half.
  const fadeIn = Math.min(music.fadeIn, seconds / 2);
  const fadeOut = Math.min(music.fadeOut, seconds / 2);
  const outAt = (seconds - fadeOut).toFixed(3);
  return [
    ...(fadeIn > 0 ? [{ filter: `afade=t=in:st=0:d=${fadeIn.toFixed(3)}`, from: 0, to: fadeIn }] : []),
    ...(fadeOut > 0
      ? [{ filter: `afade=t=out:st=${outAt}:d=${fadeOut.toFixed(3)}`, from: Number(outAt), to: Infinity }]
      : []),
  ];
}

// A mix's graph and the voice-overs it reads (their indices in FilmSound.voices), in input order.
export interface MixGraph extends Graph {
  voices: number[];
}

// `dialogue` is the clips' audio graph, starting at the window's first sample; the sound's inputs start at
// `first`: only the voice-overs the window hears (every unused input is still read: twelve 3 s voice-overs
// cost a window's mix 0.1 CPU-s). A window's voices are cut or delayed to it, and its bed taken from its
// place in the loop.
export function mixGraph(
  dialogue: Graph,
  sound: FilmSound,
  timing: Timing,
  fps: number,
  first: number,
  window?: MixWindow,
): MixGraph {
  const total = filmSamples(timing, fps);
  const { from, to } = window ?? { from: 0, to: total };
  const length = to - from;
  const seconds = timing.totalFrames / fps;
  const fit = `apad,atrim=end_sample=${length},asetpts=PTS-STARTPTS`;
  const parts = [dialogue.filter, `${dialogue.output}${fit}[dlg]`];
  const speech = ["[dlg]"];
  const lanes = placeVoices(sound, timing, fps).map((all) => all.filter((v) => v.at < to && v.until > from));
  const voices = lanes.flatMap((lane) => lane.map((v) => v.k)).sort((a, b) => a - b);
  lanes.forEach((lane, j) => {
    if (lane.length === 0) return;
    // Each voice runs until the next one in its lane starts (or the window ends), the first delayed to its
    // place, or cut where the window starts.
    lane.forEach((v, i) => {
      const until = Math.min(v.until, to);
      // Padded first: a voice that ended before the window still gives the window's silence.
      const cut = v.at < from ? `:start_sample=${from - v.at}` : "";
      const ms = (v.at - from) / (SAMPLE_RATE / 1000);
      const delay = i === 0 && v.at >= from ? `adelay=${ms}|${ms},` : "";
      const end = v.at < from ? until - v.at : until - (i === 0 ? from : v.at);
      parts.push(
        `[${first + voices.indexOf(v.k)}:a]${FORMAT},${delay}apad,atrim=end_sample=${end}${cut},asetpts=PTS-STARTPTS[vo${v.k}]`,
      );
    });
    const labels = lane.map((v) => `[vo${v.k}]`).join("");
    parts.push(`${labels}${lane.length > 1 ? `concat=n=${lane.length}:v=0:a=1` : "anull"}[lane${j}]`);
    speech.push(`[lane${j}]`);
  });
  sumAll(speech, "[speech]", parts);
  if (!sound.music)
    return {
      filter: [...parts, "[speech]anull[aout]"].join(";\n"),
      output: "[aout]",
      frames: timing.totalFrames,
      voices,
    };
  const m = sound.music;
  const fades = bedFades(m, seconds);
  // The bed from its place in the loop, stamped with film time for the fades, then from zero as the rest.
  const phase = window?.bedSamples ? from % window.bedSamples : from;
  parts.push(
    `[${first + voices.length}:a]${FORMAT},atrim=start_sample=${phase}:end_sample=${phase + length},asetpts=(N+${from})/SR/TB,volume=${m.volumeDb}dB${fades.map((f) => `,${f.filter}`).join("")},asetpts=N/SR/TB[bed]`,
  );
  if (m.duck) {
    parts.push("[speech]asplit=2[said][key]");
    parts.push(
      // 40 dB and clipped by the conversion to 16 bits, which saturates (aeval's clip() took 6x as long).
      `[key]volume=100,aformat=sample_fmts=s16,${STEREO}[keyclip]`,
    );
    parts.push(`[bed][keyclip]sidechaincompress=${DUCK},${STEREO}[ducked]`);
    parts.push(`[said][ducked]${sum(2)}[aout]`);
  } else parts.push(`[speech][bed]${sum(2)}[aout]`);
  return { filter: parts.join(";\n"), output: "[aout]", frames: timing.totalFrames, voices };
}

// Voice-overs in lanes that never overlap (with LANE_GAP to spare), in the order they start: a lane is one stream
// of its voices joined end to end, so the speech sums a lane or two instead of every voice padded to the film.
const LANE_GAP = SAMPLE_RATE / 20;
function voiceLanes<V extends { at: number; end: number }>(voices: V[], total: number): V[][] {
  const lanes: V[][] = [];
  for (const v of [...voices].sort((a, b) => a.at - b.at)) {
    const lane = lanes.find((l) => l.at(-1)!.end + LANE_GAP <= v.at && v.at < total);
    if (lane) lane.push(v);
    else lanes.push([v]);
  }
  return lanes;
}

// Stereo streams summed sample by sample (amerge and pan behave the same on ffmpeg 4.1 and 5.1; amix does not).
// pan takes at most 64 channels, so more than 16 streams are summed 16 at a time, then those sums.
function sumAll(labels: string[], out: string, parts: string[]): void {
  if (labels.length <= 16) {
    parts.push(
      labels.length === 1 ? `${labels[0]}anull${out}` : `${labels.join("")}${sum(labels.length)}${out}`,
    );
    return;
  }
  const sums: string[] = [];
  for (let i = 0; i < labels.length; i += 16) {
    const label = `${out.slice(0, -1)}_${i / 16}]`;
    sumAll(labels.slice(i, i + 16), label, parts);
    sums.push(label);
  }
  sumAll(sums, out, parts);
}

function sum(inputs: number): string {
  const left = Array.from({ length: inputs }, (_, i) => `c${2 * i}`).join("+");
  const right = Array.from({ length: inputs }, (_, i) => `c${2 * i + 1}`).join("+");
  return `amerge=inputs=${inputs},pan=stereo|c0=${left}|c1=${right},${STEREO}`;
}

// Voice-overs that run past the end of their shot, measured: each names its shot.
export function voiceOverruns(sound: FilmSound, timing: Timing, fps: number): string[] {
  return sound.voices.flatMap((v) => {
    if (v.duration === undefined) return [];
    const room = timing.lengths[v.clip]! / fps - v.offset;
    return v.duration > room + 1e-3
      ? [
          `shot ${v.shot}: its voice-over lasts ${v.duration.toFixed(2)} s, but the shot has ${room.toFixed(2)} s after its ${v.offset} s offset. Shorten the text, lower the offset, or lengthen the shot (the voice-over is cached: nothing is paid again).`,
        ]
      : [];
  });
}
