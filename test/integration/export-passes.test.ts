// Export with finishing passes: OTIO and MLT name each shot's finished clip (its last pass's output), carry the
// passes and the clip they started from in the clip's metadata, and --collect copies the finished clip. The
// cache is seeded with stand-in bytes: export reads sidecars, never the pictures, and starts no ffmpeg.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { Ajv } from "ajv";
import { insert, outputFile, readSidecar } from "../../src/cache/artifacts/index.js";
import { cachePaths } from "../../src/cache/layout.js";
import { exportFilm } from "../../src/export/export-film.js";
import type { MediaTools } from "../../src/media/binaries.js";
import { audioModelRegistry } from "../../src/models/audio-registry.js";
import { modeSpec } from "../../src/models/modes.js";
import { findPass } from "../../src/models/passes.js";
import { findFamily, videoModels } from "../../src/models/registry.js";
import { planRender } from "../../src/plan/plan.js";
import { REPO } from "../../testkit/cli.js";
import { media, shot, storyboard } from "../helpers/unit-fixtures.js";

const dir = await mkdtemp(path.join(tmpdir(), "storyreel-export-passes-"));
after(() => rm(dir, { recursive: true, force: true }));

const sora = modeSpec(findFamily(videoModels(), "sora-2")!, "image-to-video")!;
const upscaler = findPass("bytedance-upscaler")!;
const tts = audioModelRegistry().get("fal-ai/kokoro/american-english")!;
const board = storyboard([
  shot(0, {
    id: "warning",
    model: sora,
    duration: 4,
    voiceover: { text: "The light must not go out tonight.", voice: "am_michael", offset: 0, model: tts },
    lipsync: { pass: findPass("kling-lipsync")!, upscaler },
    upscale: { pass: upscaler, height: "1080p", pixels: 1080 },
  }),
  shot(1, { id: "storm", model: sora, duration: 4 }),
]);
const plan = planRender(board, { has: () => false }, { provider: "fal" });
const paths = cachePaths(path.join(dir, "cache"));
const film = { board, plan, output: path.join(dir, "out", "storyboard.mp4") };
// No ffmpeg or ffprobe: every clip's facts are in its sidecar.
const tools: MediaTools = {
  ffmpeg: "/nonexistent/ffmpeg",
  ffprobe: "/nonexistent/ffprobe",
  source: { ffmpeg: "env", ffprobe: "env" },
};

const warning = plan.shots[0]!;
const storm = plan.shots[1]!;
const step = (id: string) => plan.steps.find((s) => s.id === id)!;
const lipsync = step("lipsync:warning");
const upscale = step("upscale:warning@1080p");

// Each clip the film needs, and the lip-synced one between: distinct bytes under its key.
for (const [key, from, pass, height] of [
  [warning.key, undefined, undefined, 720],
  [storm.key, undefined, undefined, 720],
  [lipsync.key, warning.key, "lipsync", 720],
  [upscale.key, lipsync.key, "upscale", 1080],
] as const) {
  const tmp = path.join(dir, `${key}.tmp`);
  await writeFile(tmp, randomBytes(2048));
  await insert(paths, "clip", key, tmp, {
    shot: key === storm.key ? "storm" : "warning",
    provider: "fal",
    endpoint: pass ? "pass" : sora.endpoint,
    input: {},
    request_id: `req-${key.slice(0, 8)}`,
    created_at: "2026-01-01T00:00:00.000Z",
    cost: pass === "lipsync" ? 0.07 : pass ? 0.03 : 0.4,
    timings: { total_ms: 1 },
    duration: 4,
    has_audio: true,
    media: media({
      duration: 4,
      video: { codec: "h264", width: (height * 16) / 9, height, fps: 24, pixFmt: "yuv420p", sar: "1:1" },
    }),
    ...(pass && { pass, from }),
  });
}

const passesMeta = [
  { kind: "lipsync", model: "fal-ai/kling-video/lipsync/audio-to-video", key: lipsync.key, cost: 0.07 },
  { kind: "upscale", model: "fal-ai/bytedance-upscaler/upscale/video", key: upscale.key, cost: 0.03 },
];

interface OtioClip {
  OTIO_SCHEMA: string;
  name: string;
  metadata: { storyreel: Record<string, unknown> };
  media_references?: { DEFAULT_MEDIA: { target_url: string } };
}

test("OTIO: a shot's media is its finished clip; its passes and its own clip's key are in its metadata", async () => {
  const result = await exportFilm(film, paths.dir, tools, { format: "otio" });
  const otio = JSON.parse(await readFile(result.file, "utf8")) as {
    tracks: { children: Array<{ name: string; children: OtioClip[] }> };
  };
  const schema = JSON.parse(readFileSync(path.join(REPO, "schemas", "otio.schema.json"), "utf8"));
  const validate = new Ajv({ strict: false }).compile(schema);
  assert.ok(validate(otio), JSON.stringify(validate.errors?.slice(0, 2)));
  const tracks = otio.tracks.children;
  // The lip-synced voice-over is the finished clip's own sound: no voice-over track lays it again.
  assert.deepEqual(
    tracks.map((t) => t.name),
    ["Video", "Audio"],
  );
  const clips = tracks[0]!.children.filter((c) => c.OTIO_SCHEMA === "Clip.2");
  assert.deepEqual(
    clips.map((c) => path.basename(decodeURIComponent(c.media_references!.DEFAULT_MEDIA.target_url))),
    [`${upscale.key}.mp4`, `${storm.key}.mp4`],
  );
  const [talk, rocks] = clips.map((c) => c.metadata.storyreel);
  assert.equal(talk!.key, upscale.key);
  assert.equal(talk!.clip_key, warning.key);
  assert.deepEqual(
    (talk!.passes as Array<Record<string, unknown>>).map((p) => ({
      kind: p.kind,
      model: p.model,
      key: p.key,
      cost: p.cost,
    })),
    passesMeta,
  );
  // The request and cost are the video model's; the checksum is the file the timeline names.
  assert.equal(talk!.request_id, `req-${warning.key.slice(0, 8)}`);
  assert.equal(talk!.cost, 0.4);
  assert.equal(talk!.sha256, (await readSidecar(paths, "clip", upscale.key))!.sha256);
  assert.equal(rocks!.key, storm.key);
  assert.equal(rocks!.passes, undefined);
  assert.equal(rocks!.clip_key, undefined);
});

test("MLT: the finished clip is the producer's resource, with the passes as properties", async () => {
  const result = await exportFilm(film, paths.dir, tools, { format: "mlt" });
  const mlt = await readFile(result.file, "utf8");
  const producer = /<producer id="clip0"[\s\S]*?<\/producer>/.exec(mlt)![0];
  const prop = (name: string) =>
    new RegExp(`<property name="${name}">([^<]*)</property>`)
      .exec(producer)?.[1]
      ?.replace(/&quot;/g, '"')
      .replace(/&amp;/g, "&");
  assert.equal(prop("resource"), outputFile(paths, "clip", upscale.key));
  assert.equal(prop("storyreel:key"), upscale.key);
  assert.equal(prop("storyreel:clip_key"), warning.key);
  assert.deepEqual(
    (JSON.parse(prop("storyreel:passes")!) as Array<Record<string, unknown>>).map((p) => ({
      kind: p.kind,
      model: p.model,
      key: p.key,
      cost: p.cost,
    })),
    passesMeta,
  );
  const other = /<producer id="clip1"[\s\S]*?<\/producer>/.exec(mlt)![0];
  assert.ok(!other.includes("storyreel:passes"));
});

test("--collect copies the finished clip, checked against its sidecar first", async () => {
  const folder = path.join(dir, "edit");
  await exportFilm(film, paths.dir, tools, { format: "otio", collect: folder });
  assert.deepEqual(
    await readFile(path.join(folder, "01-warning.mp4")),
    await readFile(outputFile(paths, "clip", upscale.key)),
  );
  // A damaged finished clip is refused before anything is copied.
  const file = outputFile(paths, "clip", upscale.key);
  const bytes = await readFile(file);
  bytes[0] = bytes[0]! ^ 0xff;
  await writeFile(file, bytes);
  await assert.rejects(
    exportFilm(film, paths.dir, tools, { format: "otio", collect: path.join(dir, "edit2") }),
    /warning \(sha256 differs/,
  );
});
