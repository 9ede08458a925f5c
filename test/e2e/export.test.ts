// `storyreel export`: an OpenTimelineIO timeline that validates against the in-repo schema and adds up to the
// film to the frame, and an MLT project (collected into one folder) that Debian's melt renders to the same
// film: the same number of frames, and the same picture at every shot's midpoint. No ffmpeg is started.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { before, test } from "node:test";
import { Ajv } from "ajv";
import { execa } from "execa";
import { stringify } from "yaml";
import { REPO, runInProcess } from "../../testkit/cli.js";
import { decodedFrames, toneFile } from "../../testkit/ffprobe.js";
import { renderTiny } from "../../testkit/render.js";
import { makeProject, miniFilm, MINI_FILM_SECONDS } from "../helpers/project.js";

const MELT = ["/usr/bin/melt", "/usr/local/bin/melt"].find((p) => existsSync(p));
const BIN = path.join(REPO, "test", "fixtures", "bin");
const FPS = 24;
let p: { dir: string; file: string; cache: string; film: string };

before(async () => {
  const spec = miniFilm();
  const shots = spec.storyboard.shots as Array<Record<string, unknown>>;
  shots[0]!.voiceover = { text: "A red morning.", offset: 0.5 };
  const project = await makeProject({
    ...spec,
    storyboard: { ...spec.storyboard, music: { file: "bed.wav", volume_db: -20 } },
  });
  await writeFile(path.join(project.dir, "bed.wav"), await readFile(await toneFile(project.dir, 2000, 7)));
  await writeFile(
    project.file,
    stringify({ ...spec.storyboard, music: { file: "bed.wav", volume_db: -20 } }),
  );
  p = { ...project, cache: path.join(project.dir, "cache"), film: path.join(project.dir, "out", "mini.mp4") };
  await renderTiny(p.file, p.dir, p.cache);
});

async function exportAs(args: string[]) {
  const log = path.join(p.dir, "ffmpeg.log");
  await writeFile(log, "");
  // ffmpeg would be started with this process's environment: its log shows whether any was.
  process.env.FFMPEG_LOG = log;
  const run = await runInProcess(["export", p.file, ...args], {
    cwd: p.dir,
    env: {
      STORYREEL_CACHE_DIR: p.cache,
      FFMPEG_PATH: path.join(BIN, "ffmpeg-logging"),
      FFPROBE_PATH: path.join(BIN, "ffprobe-logging"),
    },
  });
  return { ...run, processes: (await readFile(log, "utf8")).split("\n").filter(Boolean) };
}

const frames = (t: { duration: { value: number } }) => t.duration.value;

interface OtioItem {
  OTIO_SCHEMA: string;
  name: string;
  transition_type: string;
  in_offset: { value: number };
  out_offset: { value: number };
  source_range: { start_time: { value: number }; duration: { value: number } };
  metadata: { storyreel: Record<string, unknown> };
  media_references: { DEFAULT_MEDIA: { target_url: string } };
}
type Track = { name: string; kind: string; children: OtioItem[] };
interface Otio {
  tracks: { children: Array<{ name: string; kind: string; children: OtioItem[] }> };
}

test("OTIO: validates against schemas/otio.schema.json, every track adds up to the film, clips carry their facts", async () => {
  const run = await exportAs(["--format", "otio"]);
  assert.equal(run.exitCode, 0, run.stderr);
  assert.deepEqual(run.processes, [], "an export of an up-to-date film starts no ffmpeg or ffprobe");
  const otio = JSON.parse(await readFile(path.join(p.dir, "out", "mini.otio"), "utf8")) as Otio;
  const schema = JSON.parse(readFileSync(path.join(REPO, "schemas", "otio.schema.json"), "utf8"));
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  assert.ok(validate(otio), JSON.stringify(validate.errors?.slice(0, 3)));
  const [video, audio, music, voice] = otio.tracks.children as [Track, Track, Track, Track];
  assert.deepEqual(
    otio.tracks.children.map((t: { name: string; kind: string }) => `${t.name}/${t.kind}`),
    ["Video/Video", "Audio/Audio", "Music/Audio", "Voice-over/Audio"],
  );
  const total = MINI_FILM_SECONDS * FPS;
  const length = (track: {
    children: Array<{ OTIO_SCHEMA: string; source_range?: { duration: { value: number } } }>;
  }) =>
    track.children
      .filter((c) => c.OTIO_SCHEMA !== "Transition.1")
      .reduce((t, c) => t + frames(c.source_range!), 0);
  assert.equal(length(video), total, "the video track lasts the film, to the frame");
  assert.equal(length(audio), total);
  assert.equal(length(music), total);
  assert.deepEqual(
    music.children.filter((c) => c.OTIO_SCHEMA === "Clip.2").map((c) => frames(c.source_range)),
    [168, 168, 96],
    "the 7 s bed loops over the 18 s film, as the film's mix loops it",
  );
  assert.equal(length(voice), total, "every track lasts the film");
  // A crossfade is a dissolve across the cut; a fade through black a custom transition, both the overlap long.
  const transitions = video.children.filter((c: { OTIO_SCHEMA: string }) => c.OTIO_SCHEMA === "Transition.1");
  assert.deepEqual(
    transitions.map(
      (t: { transition_type: string; in_offset: { value: number }; out_offset: { value: number } }) => [
        t.transition_type,
        t.in_offset.value + t.out_offset.value,
      ],
    ),
    [
      ["SMPTE_Dissolve", 12],
      ["Custom_Transition", 12],
    ],
  );
  // The silent shot is a gap on the audio track; the trimmed one starts half a second into its clip.
  assert.equal(audio.children.filter((c: { OTIO_SCHEMA: string }) => c.OTIO_SCHEMA === "Gap.1").length, 1);
  const clips = video.children.filter((c: { OTIO_SCHEMA: string }) => c.OTIO_SCHEMA === "Clip.2");
  const night = clips.find((c: { name: string }) => c.name === "night")!;
  assert.equal(
    night.source_range.start_time.value,
    12 + 6,
    "trim start (0.5 s) plus the half of the fade before the cut",
  );
  const first = clips[0]!;
  const facts = first.metadata.storyreel;
  for (const key of ["shot", "prompt", "key", "take", "model", "cost", "sha256"])
    assert.ok(key in facts, key);
  assert.match(
    first.media_references.DEFAULT_MEDIA.target_url,
    /^file:\/\/\/.*\/cache\/clips\/[0-9a-f]{64}\.mp4$/,
  );
});

test("MLT, collected: a movable folder that melt renders to the same film, frame for frame", {
  skip: !MELT && "no melt (CI installs Debian's melt)",
}, async () => {
  const dir = path.join(p.dir, "out", "mini-edit");
  const run = await exportAs(["--format", "mlt", "--collect", "out/mini-edit"]);
  assert.equal(run.exitCode, 0, run.stderr);
  assert.deepEqual(run.processes, []);
  assert.deepEqual(readdirSync(dir).sort(), [
    "01-red.mp4",
    "02-green.mp4",
    "03-blue.mp4",
    "04-night.mp4",
    "mini.mlt",
    "music.wav",
    "voice-01-red.wav",
  ]);
  assert.doesNotMatch(
    readFileSync(path.join(dir, "mini.mlt"), "utf8"),
    /cache\/clips/,
    "no path outside the folder",
  );
  const rendered = path.join(p.dir, "melt.mp4");
  execFileSync(
    MELT!,
    ["-quiet", "mini.mlt", "-consumer", `avformat:${rendered}`, "vcodec=libx264", "acodec=aac"],
    { cwd: dir, stdio: "pipe" },
  );
  assert.equal(
    await decodedFrames(rendered),
    await decodedFrames(p.film),
    "melt's render lasts the film, to the frame",
  );
  // Same picture at each shot's midpoint: the same frame, re-encoded by melt, scores 33.6 dB here, and a frame
  // one off 24.4 dB (measured on these test patterns), so 29 dB, halfway, tells them apart.
  const record = JSON.parse(await readFile(path.join(p.dir, "out", "mini.film.json"), "utf8"));
  const starts: number[] = record.timing.starts;
  const ends = [...starts.slice(1), record.timing.total_frames];
  for (const [i, start] of starts.entries()) {
    const mid = Math.floor((start + ends[i]!) / 2);
    const { stderr } = await execa("ffmpeg", [
      "-hide_banner",
      "-i",
      p.film,
      "-i",
      rendered,
      "-lavfi",
      `[0:v]select=eq(n\\,${mid}),setpts=PTS-STARTPTS[a];[1:v]select=eq(n\\,${mid}),setpts=PTS-STARTPTS[b];[a][b]psnr`,
      "-frames:v",
      "1",
      "-f",
      "null",
      "-",
    ]);
    const psnr = Number(/average:([\d.]+|inf)/.exec(stderr)?.[1]?.replace("inf", "99"));
    assert.ok(psnr > 29, `shot ${i + 1} at frame ${mid}: PSNR ${psnr} dB`);
  }
  // The report and the contact sheet link to the exports.
  const report = JSON.parse(await readFile(path.join(p.dir, "out", "mini.report.json"), "utf8"));
  assert.deepEqual(
    report.exports.map((e: { path: string; current: boolean }) => `${e.path} ${e.current}`).sort(),
    ["mini-edit/mini.mlt true", "mini.otio true"],
  );
  assert.match(await readFile(path.join(p.dir, "out", "mini.html"), "utf8"), /href="mini-edit\/mini\.mlt"/);
});

test("export refuses what it cannot do: a film not rendered yet, a format it does not know, a folder of other files", async () => {
  const fresh = await makeProject(miniFilm());
  const run = await runInProcess(["export", fresh.file, "--format", "mlt"], {
    cwd: fresh.dir,
    env: { STORYREEL_CACHE_DIR: path.join(fresh.dir, "cache") },
  });
  assert.equal(run.exitCode, 1);
  assert.match(
    run.stderr,
    /these shots have no cached clip: red, green, blue, night\. Render the film first, then export it\./,
  );
  const bad = await runInProcess(["export", fresh.file, "--format", "edl"], { cwd: fresh.dir });
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /--format must be otio or mlt \(got "edl"\)/);
  const other = path.join(p.dir, "elsewhere");
  await mkdir(other, { recursive: true });
  await writeFile(path.join(other, "01-red.mp4"), "someone else's file");
  const busy = await exportAs(["--format", "mlt", "--collect", "elsewhere"]);
  assert.equal(busy.exitCode, 2);
  assert.match(busy.stderr, /--collect .*elsewhere already holds other files/);
  assert.equal(
    await readFile(path.join(other, "01-red.mp4"), "utf8"),
    "someone else's file",
    "nothing overwritten",
  );
});

test("export overwrites only its own timelines: a start image, a user's file or a folder of someone else's files is refused, nothing written", async () => {
  const image = path.join(p.dir, "images", "a.png");
  const before = await readFile(image);
  const exportsFile = path.join(p.dir, "out", "mini.exports.json");
  const records = await readFile(exportsFile, "utf8").catch(() => "");
  const onImage = await exportAs(["--format", "otio", "--out", "images/a.png"]);
  assert.equal(onImage.exitCode, 2, onImage.stderr);
  assert.match(
    onImage.stderr,
    /^error: --out \S+images\/a\.png already exists and is not a timeline storyreel exported, so it is left as it is; name a new file\. Nothing was written\.$/m,
  );
  assert.deepEqual(await readFile(image), before, "the storyboard's start image is untouched");
  await writeFile(path.join(p.dir, "notes.mlt"), "my own notes");
  const onNotes = await exportAs(["--format", "mlt", "--out", "notes.mlt"]);
  assert.equal(onNotes.exitCode, 2);
  assert.equal(await readFile(path.join(p.dir, "notes.mlt"), "utf8"), "my own notes");
  assert.equal(await readFile(exportsFile, "utf8").catch(() => ""), records, "no export recorded");

  // An earlier export, in either format, is simply written again.
  for (const format of ["otio", "mlt"])
    for (let i = 0; i < 2; i++) {
      const again = await exportAs(["--format", format, "--out", `edits/cut.${format}`]);
      assert.equal(again.exitCode, 0, again.stderr);
    }

  // A folder whose mini.mlt storyreel did not write is someone else's: nothing in it is replaced.
  const theirs = path.join(p.dir, "theirs");
  await mkdir(theirs);
  await writeFile(path.join(theirs, "mini.mlt"), "<mlt>their project</mlt>");
  await writeFile(path.join(theirs, "01-red.mp4"), "their clip");
  const intoTheirs = await exportAs(["--format", "mlt", "--collect", "theirs"]);
  assert.equal(intoTheirs.exitCode, 2);
  assert.match(intoTheirs.stderr, /--collect \S+theirs already holds other files/);
  assert.equal(await readFile(path.join(theirs, "01-red.mp4"), "utf8"), "their clip");
  assert.equal(await readFile(path.join(theirs, "mini.mlt"), "utf8"), "<mlt>their project</mlt>");

  // A folder with a timeline storyreel wrote, but a clip there that timeline does not name: refused too.
  const mixed = path.join(p.dir, "mixed");
  await mkdir(mixed);
  assert.equal((await exportAs(["--format", "mlt", "--out", "mixed/mini.mlt"])).exitCode, 0);
  await writeFile(path.join(mixed, "03-blue.mp4"), "a clip of theirs");
  const intoMixed = await exportAs(["--format", "mlt", "--collect", "mixed"]);
  assert.equal(intoMixed.exitCode, 2);
  assert.match(
    intoMixed.stderr,
    /--collect \S+mixed already holds 03-blue\.mp4, which no timeline storyreel collected there names; move it away or collect into a new folder\. Nothing was written\./,
  );
  assert.deepEqual(readdirSync(mixed).sort(), ["03-blue.mp4", "mini.mlt"], "no clip copied");

  // Collected twice into the same folder: the second collect replaces the first's files.
  for (let i = 0; i < 2; i++) {
    const collected = await exportAs(["--format", "otio", "--collect", "twice"]);
    assert.equal(collected.exitCode, 0, collected.stderr);
  }
});
