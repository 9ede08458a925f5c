// The timeline as MLT XML (.mlt), the project format of Shotcut (and Kdenlive's engine): one playlist of
// clips with each transition a small tractor between them, as Shotcut writes them, and audio-only tracks
// for the music bed and the voice-overs mixed in. PURE. Frames are whole frames at the film's rate.
import { loopedMusic, soundLanes, type Timeline, type TimelineClip, type TimelineSound } from "./timeline.js";

export function toMlt(t: Timeline, resource: (file: string) => string): string {
  const out: string[] = [];
  const el = (name: string, attrs: Record<string, string | number>, children?: string[]) => {
    const a = Object.entries(attrs)
      .map(([k, v]) => ` ${k}="${xml(String(v))}"`)
      .join("");
    return children
      ? `<${name}${a}>\n${children.map((c) => c.replace(/^/gm, "  ")).join("\n")}\n</${name}>`
      : `<${name}${a}/>`;
  };
  const prop = (name: string, value: string | number) =>
    `<property name="${name}">${xml(String(value))}</property>`;
  const producer = (id: string, file: string, frames: number, extra: string[] = []) =>
    el("producer", { id, in: 0, out: Math.max(0, frames - 1) }, [
      prop("resource", resource(file)),
      prop("mlt_service", "avformat"),
      ...extra,
    ]);
  const transition = (
    service: string,
    a: number,
    b: number,
    from: number,
    to: number,
    extra: string[] = [],
  ) =>
    el("transition", { in: from, out: to }, [
      prop("a_track", a),
      prop("b_track", b),
      prop("mlt_service", service),
      ...extra,
    ]);

  // Each clip once as a producer (a fade through black adds a black one).
  for (const [i, c] of t.clips.entries())
    out.push(
      producer(`clip${i}`, c.file, c.sourceFrames, [prop("shotcut:caption", c.shot), ...clipProperties(c)]),
    );
  const entries: string[] = [];
  t.clips.forEach((c, i) => {
    const next = t.clips[i + 1];
    const into = c.transition.frames;
    const outOf = next?.transition.frames ?? 0;
    if (into > 0) transitionTractors(t.clips[i - 1]!, i - 1, c, i, into);
    const solo = c.length - into - outOf;
    if (solo > 0)
      entries.push(
        el("entry", { producer: `clip${i}`, in: c.sourceIn + into, out: c.sourceIn + into + solo - 1 }),
      );
  });
  out.push(
    el("playlist", { id: "video" }, [prop("shotcut:video", 1), prop("shotcut:name", "V1"), ...entries]),
  );

  const tracks = [el("track", { producer: "video" })];
  const mixes: string[] = [];
  // The bed at its level (the film also ducks and fades it; an editor does that its own way).
  const soundTrack = (id: string, sounds: TimelineSound[], gainDb = 0) => {
    const items: string[] = [];
    let at = 0;
    sounds.forEach((s, k) => {
      const start = Math.max(at, s.start);
      const frames = Math.min(s.frames, t.totalFrames - start);
      if (frames <= 0) return;
      const gain = gainDb
        ? [
            `<filter><property name="mlt_service">volume</property><property name="gain">${gainDb}dB</property></filter>`,
          ]
        : [];
      out.push(producer(`${id}${k}`, s.file, s.sourceFrames ?? frames, gain));
      if (start > at) items.push(el("blank", { length: start - at }));
      items.push(el("entry", { producer: `${id}${k}`, in: 0, out: frames - 1 }));
      at = start + frames;
    });
    out.push(el("playlist", { id }, [prop("shotcut:audio", 1), ...items]));
    tracks.push(el("track", { producer: id, hide: "video" }));
    mixes.push(
      transition("mix", 0, tracks.length - 1, 0, t.totalFrames - 1, [
        prop("always_active", 1),
        prop("sum", 1),
      ]),
    );
  };
  if (t.music) soundTrack("music", loopedMusic(t.music, t.totalFrames), t.music.volumeDb);
  for (const [i, lane] of soundLanes(t.voices).entries())
    soundTrack(i === 0 ? "voice" : `voice${i + 1}_`, lane);
  out.push(
    el("tractor", { id: "main", in: 0, out: t.totalFrames - 1 }, [
      prop("title", t.name),
      el("multitrack", {}, tracks),
      ...mixes,
    ]),
  );

  const profile = el("profile", {
    description: `storyreel ${t.width}x${t.height} ${t.fps} fps`,
    width: t.width,
    height: t.height,
    progressive: 1,
    sample_aspect_num: 1,
    sample_aspect_den: 1,
    display_aspect_num: t.width,
    display_aspect_den: t.height,
    ...fraction(t.fps),
    // As MLT takes untagged sources: BT.601 below 720 lines, BT.709 from 720 up (so no colours are converted).
    colorspace: t.height >= 720 ? 709 : 601,
  });
  return `<?xml version="1.0" encoding="utf-8"?>\n${el("mlt", { LC_NUMERIC: "C", title: t.name, producer: "main" }, [profile, ...out])}\n`;

  // A transition as Shotcut keeps it: a tractor of the outgoing clip's tail under the incoming clip's head,
  // dissolved with luma and mixed, and played from the playlist. A fade through black is two of them: the tail into black, then black into
  // the head, each half the overlap (the film's fade dims to black by the middle, then rises from it).
  function transitionTractors(
    a: TimelineClip,
    ai: number,
    b: TimelineClip,
    bi: number,
    frames: number,
  ): void {
    const aIn = a.sourceIn + a.length - frames;
    if (b.transition.type !== "fade") {
      tractor(`transition${bi}`, [`clip${ai}`, aIn], [`clip${bi}`, b.sourceIn], frames, "lumaMix");
      return;
    }
    const half = Math.floor(frames / 2);
    out.push(
      el("producer", { id: `black${bi}`, in: 0, out: frames - 1 }, [
        prop("mlt_service", "color"),
        prop("resource", "#000000"),
      ]),
    );
    tractor(`transition${bi}a`, [`clip${ai}`, aIn], [`black${bi}`, 0], half, "fadeOutBlack");
    tractor(
      `transition${bi}b`,
      [`black${bi}`, half],
      [`clip${bi}`, b.sourceIn + half],
      frames - half,
      "fadeInBlack",
    );
  }

  function tractor(id: string, a: [string, number], b: [string, number], frames: number, kind: string): void {
    const xml = el("tractor", { id, in: 0, out: frames - 1 }, [
      prop("shotcut:transition", kind),
      el("track", { producer: a[0], in: a[1], out: a[1] + frames - 1 }),
      el("track", { producer: b[0], in: b[1], out: b[1] + frames - 1 }),
      transition("luma", 0, 1, 0, frames - 1),
      transition("mix", 0, 1, 0, frames - 1, [prop("start", -1)]),
    ]);
    out.push(xml);
    entries.push(el("entry", { producer: id, in: 0, out: frames - 1 }));
  }
}

// 24 -> 24/1, 29.97 -> 30000/1001.
function fraction(fps: number): { frame_rate_num: number; frame_rate_den: number } {
  if (Number.isInteger(fps)) return { frame_rate_num: fps, frame_rate_den: 1 };
  const ntsc = Math.round(fps * 1.001);
  if (Math.abs(ntsc / 1.001 - fps) < 1e-3) return { frame_rate_num: ntsc * 1000, frame_rate_den: 1001 };
  return { frame_rate_num: Math.round(fps * 1000), frame_rate_den: 1000 };
}

function xml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

// The clip's key and, for a finished clip, the clip it was made from and its passes (as JSON): properties an
// editor keeps with the clip, as OTIO keeps `metadata.storyreel`.
function clipProperties(c: TimelineClip): string[] {
  const m = c.metadata;
  const prop = (name: string, value: unknown) =>
    `<property name="${name}">${xml(typeof value === "string" ? value : JSON.stringify(value))}</property>`;
  return [
    ...(typeof m.key === "string" ? [prop("storyreel:key", m.key)] : []),
    ...(m.passes ? [prop("storyreel:clip_key", m.clip_key), prop("storyreel:passes", m.passes)] : []),
  ];
}
