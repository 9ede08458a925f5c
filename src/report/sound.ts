// The report's view of the film's sound and words: its audio layers, each shot's voice-over and caption,
// and the caption files written beside the film.
import type { Storyboard } from "../storyboard/types.js";

export interface ReportSound {
  // Every layer of the film's audio, bottom to top: the clips' own, the music bed, the voice-overs.
  layers: Array<{ layer: "clips" | "music" | "voice-over"; what: string; audio?: string }>;
  // Integrated loudness the film is normalised to (LUFS), when it is.
  loudness?: number;
  captions?: { mode: "file" | "burn"; files: string[] };
}

export interface ShotWords {
  caption?: string;
  voiceover?: { text: string; voice: string; offset: number; audio?: string };
}

// `audio` gives a sound step's file (relative to the report) when the cache has it.
export function reportSound(
  board: Storyboard,
  audio: (stepId: string) => string | undefined,
  captionFiles: string[] | undefined,
  loudness: number | undefined,
  // A local file relative to the report.
  rel: (file: string) => string = (f) => f,
): ReportSound | undefined {
  const voices = board.shots.filter((s) => s.voiceover);
  const captioned = board.shots.some((s) => s.caption);
  if (!board.music && voices.length === 0 && !captioned) return undefined;
  const withAudio = board.shots.filter((s) => s.audio).length;
  const layers: ReportSound["layers"] = [
    {
      layer: "clips",
      what: `the clips' own audio (${withAudio} of ${board.shots.length} shots have it; the rest are silent)`,
    },
  ];
  const m = board.music;
  if (m) {
    const source =
      m.source.kind === "file"
        ? m.source.file.source
        : `generated: "${m.source.prompt}" (${m.source.model.name})`;
    const bed = m.source.kind === "file" ? rel(m.source.file.path) : audio("music:bed");
    layers.push({
      layer: "music",
      what: `${source} at ${m.volumeDb} dB, ${m.duck ? "ducked under speech" : "not ducked"}, fades ${m.fadeIn} s in and ${m.fadeOut} s out, looped or trimmed to the film`,
      ...(bed && { audio: bed }),
    });
  }
  for (const s of voices) {
    const file = audio(`voice:${s.id}`);
    layers.push({
      layer: "voice-over",
      what: `${s.id}: "${s.voiceover!.text}" (${s.voiceover!.voice}, ${s.voiceover!.offset} s in)`,
      ...(file && { audio: file }),
    });
  }
  return {
    layers,
    ...(loudness !== undefined && { loudness }),
    ...(captioned && { captions: { mode: board.render.captions ?? "file", files: captionFiles ?? [] } }),
  };
}

export function shotWords(
  board: Storyboard,
  index: number,
  audio: (stepId: string) => string | undefined,
): ShotWords {
  const shot = board.shots[index]!;
  const file = shot.voiceover && audio(`voice:${shot.id}`);
  return {
    ...(shot.caption && { caption: shot.caption }),
    ...(shot.voiceover && {
      voiceover: {
        text: shot.voiceover.text,
        voice: shot.voiceover.voice,
        offset: shot.voiceover.offset,
        ...(file && { audio: file }),
      },
    }),
  };
}
