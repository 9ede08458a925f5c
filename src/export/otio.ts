// The timeline as OpenTimelineIO JSON (.otio), from the spec's serialized schema: one video track, an audio
// track that mirrors it (a gap where a shot is silent), and tracks for the music bed and the voice-overs.
// PURE. Times are RationalTime in whole frames at the film's rate.
import { cutPoints, loopedMusic, soundLanes, type Timeline, type TimelineSound } from "./timeline.js";

type Json = Record<string, unknown>;

export function toOtio(t: Timeline, url: (file: string) => string): Json {
  const time = (value: number) => ({ OTIO_SCHEMA: "RationalTime.1", rate: t.fps, value });
  const range = (start: number, duration: number) => ({
    OTIO_SCHEMA: "TimeRange.1",
    start_time: time(start),
    duration: time(duration),
  });
  const item = (schema: string, name: string, source: Json, metadata: Json = {}) => ({
    OTIO_SCHEMA: schema,
    name,
    metadata,
    source_range: source,
    effects: [],
    markers: [],
    enabled: true,
  });
  const clip = (name: string, file: string, source: Json, available: number | undefined, metadata: Json) => ({
    ...item("Clip.2", name, source, metadata),
    media_references: {
      DEFAULT_MEDIA: {
        OTIO_SCHEMA: "ExternalReference.1",
        name: file.split(/[\\/]/).pop(),
        metadata: {},
        target_url: url(file),
        available_range: available === undefined ? null : range(0, available),
        available_image_bounds: null,
      },
    },
    active_media_reference_key: "DEFAULT_MEDIA",
  });
  const gap = (frames: number) => item("Gap.1", "", range(0, frames));
  const track = (name: string, kind: "Video" | "Audio", children: Json[]) => ({
    OTIO_SCHEMA: "Track.1",
    name,
    kind,
    metadata: {},
    source_range: null,
    effects: [],
    markers: [],
    enabled: true,
    children,
  });
  // A crossfade is a dissolve; a fade through black has no standard type: a custom one, said in its metadata.
  const transition = (type: string, frames: number) => {
    const before = Math.floor(frames / 2);
    return {
      OTIO_SCHEMA: "Transition.1",
      name: type === "fade" ? "Fade through black" : "Cross dissolve",
      metadata: { storyreel: { type, frames } },
      transition_type: type === "fade" ? "Custom_Transition" : "SMPTE_Dissolve",
      in_offset: time(before),
      out_offset: time(frames - before),
    };
  };
  const cuts = cutPoints(t);
  const pieces = (audio: boolean) =>
    t.clips.flatMap((c, i) => {
      const length = cuts[i + 1]! - cuts[i]!;
      const source = range(c.sourceIn + (cuts[i]! - c.start), length);
      const into = c.transition.frames > 0 && (!audio || c.hasAudio || t.clips[i - 1]!.hasAudio);
      const piece =
        audio && !c.hasAudio
          ? gap(length)
          : clip(c.shot, c.file, source, c.sourceFrames, { storyreel: c.metadata });
      return into ? [transition(c.transition.type, c.transition.frames), piece] : [piece];
    });
  const tracks = [track("Video", "Video", pieces(false)), track("Audio", "Audio", pieces(true))];
  if (t.music) tracks.push(track("Music", "Audio", soundTrack([loopedMusic(t.music, t.totalFrames)].flat())));
  for (const [i, lane] of soundLanes(t.voices).entries())
    tracks.push(track(i === 0 ? "Voice-over" : `Voice-over ${i + 1}`, "Audio", soundTrack(lane)));
  return {
    OTIO_SCHEMA: "Timeline.1",
    name: t.name,
    metadata: { storyreel: { fps: t.fps, width: t.width, height: t.height, frames: t.totalFrames } },
    global_start_time: time(0),
    tracks: {
      OTIO_SCHEMA: "Stack.1",
      name: "tracks",
      metadata: {},
      source_range: null,
      effects: [],
      markers: [],
      enabled: true,
      children: tracks,
    },
  };

  // Sounds at their film frames, with gaps between them.
  function soundTrack(sounds: TimelineSound[]): Json[] {
    const out: Json[] = [];
    let at = 0;
    for (const s of [...sounds].sort((a, b) => a.start - b.start)) {
      const start = Math.max(at, s.start);
      const frames = Math.min(s.frames, t.totalFrames - start);
      if (frames <= 0) continue;
      if (start > at) out.push(gap(start - at));
      out.push(clip(s.name, s.file, range(0, frames), s.sourceFrames, { storyreel: s.metadata }));
      at = start + frames;
    }
    // Every track lasts the film.
    if (at < t.totalFrames) out.push(gap(t.totalFrames - at));
    return out;
  }
}
