// Voice-over, music and captions through the CLI against the fake fal server: what is submitted (one TTS
// request per changed voice-over, never a clip), what is re-encoded (no segment unless captions are burned),
// the caption files' timing, and the errors that name a shot.
import assert from "node:assert/strict";
import { execa } from "execa";
import { existsSync, readFileSync } from "node:fs";
import { cp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { stringify } from "yaml";
import { runInProcess, tempDir } from "../../testkit/cli.js";
import { makeClip } from "../../testkit/clips.js";
import { FakeFal, wavTone } from "../../testkit/fake-fal.js";
import { falEnv, TEST_FAL_KEY } from "../../testkit/fal-env.js";
import { makeProject } from "../helpers/project.js";

const BIN = path.resolve("test/fixtures/bin");
let fake: FakeFal;
before(async () => (fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 100 }).start()));
after(() => fake.stop());

const VO = "He had kept the light for forty years.";
function board(over: { vo?: string; caption?: string; volume?: number; captions?: string } = {}) {
  return {
    version: 1,
    output: "out/film.mp4",
    music: { prompt: "slow piano, hopeful", volume_db: over.volume ?? -18 },
    ...(over.captions && { render: { captions: over.captions } }),
    shots: [
      {
        id: "arrival",
        image: "images/a.png",
        prompt: "he climbs the stairs",
        voiceover: { text: over.vo ?? VO, voice: "am_adam", offset: 0.5 },
        caption: over.caption ?? VO,
      },
      // Trimmed and crossfaded: its caption starts 0.5 s before the first shot's clip ends.
      {
        id: "lamp",
        image: "images/a.png",
        prompt: "he lights the lamp",
        audio: false,
        trim: { start: 0.5, end: 4.5 },
        transition: { type: "crossfade", duration: 0.5 },
        caption: "The lamp.",
      },
      { id: "sea", image: "images/a.png", prompt: "the beam sweeps the sea", caption: "The sea." },
    ],
  };
}

// (fal's jobs are kept from test to test: the copies below fetch the golden render's outputs from fal's URLs again.)
async function project(storyboard = board()) {
  return at(await makeProject({ storyboard }));
}

// board()'s project rendered once (five paid steps, mixed and captioned); `rendered()` gives a test its own copy.
let golden: string;
before(async () => {
  const p = await project();
  const first = await p.render();
  assert.equal(first.exitCode, 0, first.stderr);
  golden = p.dir;
});

async function rendered() {
  const dir = await tempDir("storyreel-sound-");
  await cp(golden, dir, { recursive: true });
  return at({ dir, file: path.join(dir, "storyboard.yaml") });
}

function at(p: { dir: string; file: string }) {
  fake.requests.length = 0;
  const cache = path.join(p.dir, "cache");
  const log = path.join(p.dir, "ffmpeg.log");
  const env = falEnv(fake, cache, { FFMPEG_PATH: path.join(BIN, "ffmpeg-logging"), FFMPEG_LOG: log });
  const render = async (sb?: Record<string, unknown>, extra: Record<string, string> = {}) => {
    if (sb) await writeFile(p.file, stringify(sb));
    fake.requests.length = 0;
    await writeFile(log, "");
    // ffmpeg is started with this process's environment, not the CLI context's.
    process.env.FFMPEG_LOG = log;
    const run = await runInProcess(["render", p.file], { cwd: p.dir, env: { ...env, ...extra } });
    return { ...run, ffmpeg: (await readFile(log, "utf8")).split("\n").filter(Boolean) };
  };
  return { ...p, cache, env, render, film: path.join(p.dir, "out", "film.mp4") };
}

const submitted = () =>
  fake.requests.filter((r) => r.route === "submit").map((r) => new URL(r.target).pathname.slice(1));
// The film's frame at `seconds` as 8-bit grey pixels.
async function frameAt(file: string, seconds: number): Promise<Uint8Array> {
  const { stdout } = await execa(
    "ffmpeg",
    [
      "-v",
      "error",
      "-ss",
      String(seconds),
      "-i",
      file,
      "-frames:v",
      "1",
      "-f",
      "rawvideo",
      "-pix_fmt",
      "gray",
      "-",
    ],
    { encoding: "buffer" },
  );
  return stdout;
}

const encodesVideo = (lines: string[]) => lines.filter((l) => l.includes("libx264"));

test("plan: a voice-over and a generated bed are steps with their prices; a long voice-over is a warning", async () => {
  const p = await project();
  const run = await runInProcess(["plan", p.file, "--provider", "fal", "--json"], { cwd: p.dir, env: p.env });
  assert.equal(run.exitCode, 0, run.stderr);
  const plan = JSON.parse(run.stdout);
  const step = (id: string) => plan.steps.find((s: { id: string }) => s.id === id);
  // Kokoro: $0.02 per 1000 characters, rounded up to the cent; CassetteAI: $0.02 a minute, 30 s asked.
  assert.equal(step("voice:arrival").cost, 0.01);
  assert.equal(step("music:bed").cost, 0.01);
  assert.equal(plan.cost.new, Number((0.7 + 0.35 + 0.7 + 0.02).toFixed(2)));
  const long = board({ vo: Array.from({ length: 30 }, () => "word").join(" ") });
  await writeFile(p.file, stringify(long));
  const text = await runInProcess(["plan", p.file, "--provider", "fal"], { cwd: p.dir, env: p.env });
  assert.match(text.stdout, /voice\s+arrival\s+generate\s+\$0\.01/);
  assert.match(text.stdout, /Warning: shot arrival: its voice-over \(30 words, about 12\.0 s\) may not fit/);
  assert.equal(submitted().length, 0);
});

test("render, then edits: a voice-over edit is one TTS request; music and caption edits submit nothing", async () => {
  const p = await project();
  const first = await p.render();
  assert.equal(first.exitCode, 0, first.stderr);
  assert.deepEqual(submitted().sort(), [
    "cassetteai/music-generator",
    "fal-ai/kling-video/v2.6/pro/image-to-video",
    "fal-ai/kling-video/v2.6/pro/image-to-video",
    "fal-ai/kling-video/v2.6/pro/image-to-video",
    "fal-ai/kokoro/american-english",
  ]);
  const tts = JSON.parse(fake.requests.find((r) => r.target.includes("kokoro"))!.body);
  assert.deepEqual(tts, { prompt: VO, voice: "am_adam" });
  // Cues start where their shots start in the film, to the frame: 0, then 5 - 0.5 (the crossfade), then +4.
  const srt = await readFile(path.join(p.dir, "out", "film.srt"), "utf8");
  assert.match(srt, /^1\n00:00:00,000 --> 00:00:04,500\nHe had kept/);
  assert.match(
    srt,
    /2\n00:00:04,500 --> 00:00:08,500\nThe lamp\.\n\n3\n00:00:08,500 --> 00:00:13,500\nThe sea\./,
  );
  assert.match(
    await readFile(path.join(p.dir, "out", "film.vtt"), "utf8"),
    /^WEBVTT\n\narrival\n00:00:00\.000 --> /,
  );

  const vo = await p.render(board({ vo: "The light was his." }));
  assert.equal(vo.exitCode, 0, vo.stderr);
  assert.deepEqual(submitted(), ["fal-ai/kokoro/american-english"], "one TTS request, no clip");
  assert.deepEqual(encodesVideo(vo.ffmpeg), [], "no video segment re-encoded");

  const music = await p.render(board({ vo: "The light was his.", volume: -24 }));
  assert.equal(music.exitCode, 0, music.stderr);
  assert.deepEqual(submitted(), []);
  assert.deepEqual(encodesVideo(music.ffmpeg), []);
  assert.ok(music.ffmpeg.length > 0, "the audio was mixed again");

  const before = await stat(p.film);
  const caption = await p.render(board({ vo: "The light was his.", volume: -24, caption: "Forty years." }));
  assert.equal(caption.exitCode, 0, caption.stderr);
  assert.deepEqual(submitted(), []);
  assert.deepEqual(caption.ffmpeg, [], "a caption edit only rewrites the caption files");
  assert.equal((await stat(p.film)).mtimeMs, before.mtimeMs);
  assert.match(
    await readFile(path.join(p.dir, "out", "film.srt"), "utf8"),
    /^1\n00:00:00,000 --> 00:00:04,500\nForty years\./,
  );
});

test("a voice-over longer than its shot, once measured, fails the film naming the shot; nothing is paid twice", async () => {
  const p = await project();
  fake.options.audio = (input) => wavTone(input.duration ? 30 : 9, 700);
  try {
    const run = await p.render();
    assert.equal(run.exitCode, 1);
    assert.match(
      run.stderr,
      /shot arrival: its voice-over lasts 9\.00 s, but the shot has 4\.50 s after its 0\.5 s offset/,
    );
    const again = await p.render();
    assert.equal(again.exitCode, 1);
    assert.deepEqual(submitted(), [], "the voice-over is cached: nothing is submitted again");
  } finally {
    delete fake.options.audio;
  }
});

test("captions: burn without libass is refused before anything is paid, saying what to install; with it, burned", async () => {
  const p = await rendered();
  await writeFile(p.file, stringify(board({ captions: "burn" })));
  const refused = await p.render(undefined, { FFMPEG_PATH: path.join(BIN, "ffmpeg-no-libass") });
  assert.equal(refused.exitCode, 2);
  assert.match(refused.stderr, /subtitles filter \(libass\).*apt-get install ffmpeg/s);
  assert.deepEqual(submitted(), []);
  const plain = await p.render(board());
  assert.equal(plain.exitCode, 0, plain.stderr);
  const without = await frameAt(p.film, 1);
  const burned = await p.render(board({ captions: "burn" }));
  assert.equal(burned.exitCode, 0, burned.stderr);
  assert.deepEqual(submitted(), [], "burning captions in submits nothing");
  const withCaption = await frameAt(p.film, 1);
  const changed = withCaption.filter((v, i) => Math.abs(v - without[i]!) > 40).length;
  assert.ok(changed > 200, `the caption is in the picture (${changed} pixels changed)`);
  assert.equal(encodesVideo(burned.ffmpeg).filter((l) => l.includes("subtitles=")).length, 1);
});

test("the lockfile pins the voice-over and the bed; --frozen renders them from the cache, or names one that is missing", async () => {
  const p = await rendered();
  const lock = await readFile(path.join(p.dir, "storyboard.lock.yaml"), "utf8");
  assert.match(
    lock,
    /- id: voice:arrival\n {4}key: [0-9a-f]{64}\n[\s\S]*?model: fal-ai\/kokoro\/american-english\n {4}sha256: [0-9a-f]{64}/,
  );
  assert.match(lock, /- id: music:bed\n[\s\S]*?model: cassetteai\/music-generator\n {4}sha256: /);
  const frozen = await runInProcess(["render", p.file, "--frozen"], {
    cwd: p.dir,
    env: { ...p.env, FAL_KEY: undefined },
  });
  assert.equal(frozen.exitCode, 0, frozen.stderr);
  const sounds = path.join(p.cache, "sounds");
  const voice = (await readFile(path.join(p.dir, "storyboard.lock.yaml"), "utf8")).match(
    /voice:arrival\n {4}key: ([0-9a-f]{64})/,
  )![1]!;
  await writeFile(path.join(sounds, `${voice}.wav`), "not audio");
  const missing = await runInProcess(["render", p.file, "--frozen"], {
    cwd: p.dir,
    env: { ...p.env, FAL_KEY: undefined },
  });
  assert.equal(missing.exitCode, 2);
  assert.match(missing.stderr, /locked outputs missing from the cache \(or damaged\): voice:arrival/);
});

test("a voice-over whose cached bytes went bad is fetched again from fal's URL, the same bytes, nothing paid", async () => {
  const p = await rendered();
  const side = (await readdir(path.join(p.cache, "sounds"))).find(
    (f) => f.endsWith(".json") && readFileSync(path.join(p.cache, "sounds", f), "utf8").includes('"voice"'),
  )!;
  const wav = path.join(p.cache, "sounds", side.replace(/\.json$/, ".wav"));
  const good = await readFile(wav);
  await writeFile(wav, Buffer.alloc(good.length));
  const again = await p.render(board({ volume: -20 }));
  assert.equal(again.exitCode, 0, again.stderr);
  assert.deepEqual(submitted(), []);
  assert.ok((await readFile(wav)).equals(good), "the paid bytes are back");
});

test("a music file with no audio is refused before anything is paid; dropping every caption removes the caption files", async () => {
  const p = await rendered();
  const sb = board();
  // A video-only mp4 named like music: its first bytes pass, ffprobe finds no audio.
  const silentVideo = makeClip({ seconds: 1, audio: false });
  await writeFile(path.join(p.dir, "images", "bed.m4a"), await readFile(silentVideo));
  const withFile = { ...sb, music: { file: "images/bed.m4a" } };
  const refused = await p.render(withFile);
  assert.equal(refused.exitCode, 2);
  assert.match(
    refused.stderr,
    /music\.file images\/bed\.m4a has no audio stream\. Use another file\. Nothing was generated\./,
  );
  assert.deepEqual(submitted(), []);
  assert.equal((await p.render(sb)).exitCode, 0);
  const srt = path.join(p.dir, "out", "film.srt");
  assert.ok(existsSync(srt));
  const bare = { ...sb, shots: sb.shots.map(({ caption: _, ...s }) => s) };
  const again = await p.render(bare);
  assert.equal(again.exitCode, 0, again.stderr);
  assert.equal(existsSync(srt), false, "the .srt it wrote is gone");
  assert.equal(existsSync(path.join(p.dir, "out", "film.vtt")), false);
});
