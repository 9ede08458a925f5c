// The pass models as data: every shipped lip-sync and upscale file is valid, named once among all models,
// priced to the cent as fal publishes, and builds payloads its own schema (and the precompiled check) accepts.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { Ajv } from "ajv";
import { findPass, passNames, passPayload, passPrice, shippedPasses } from "../../src/models/passes.js";
import type { PassDoc } from "../../src/models/pass-types.js";
import { payloadProblem } from "../../src/models/payload-check.js";
import * as precompiled from "../../src/models/payload-validators.generated.js";
import { priceInWords } from "../../src/models/price.js";
import { namesOf, shippedFamilies } from "../../src/models/registry.js";
import { SCHEMA_DIR } from "../../src/paths.js";

const pass = (name: string) => findPass(name)!;
const schemaFile = (name: string) => JSON.parse(readFileSync(path.join(SCHEMA_DIR, name), "utf8"));

function passSchemaCheck() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addSchema(schemaFile("video-model.schema.json"));
  return ajv.compile(schemaFile("pass-model.schema.json"));
}

test("every shipped pass file satisfies schemas/pass-model.schema.json, with sources read on a date", () => {
  const check = passSchemaCheck();
  const passes = shippedPasses();
  assert.deepEqual(passes.map((p) => p.name).sort(), [
    "bytedance-upscaler",
    "kling-lipsync",
    "sync-lipsync-2",
  ]);
  for (const p of passes) {
    const doc = JSON.parse(readFileSync(p.file, "utf8"));
    assert.ok(check(doc), `${path.basename(p.file)}: ${JSON.stringify(check.errors)}`);
    assert.equal(path.basename(p.file), `${p.name}.json`, "a pass file is named by its alias");
    for (const s of p.sources) assert.match(s.read, /^\d{4}-\d{2}-\d{2}$/, `${p.name}: ${s.url}`);
  }
});

// A pass file as read, before the schema says it is one.
type LooseDoc = Record<string, unknown> & { input: Record<string, unknown>; limits: Record<string, unknown> };

test("the schema refuses a pass file that says too little or too much", () => {
  const check = passSchemaCheck();
  const upscaler = JSON.parse(readFileSync(pass("bytedance-upscaler").file, "utf8"));
  const refused = (change: (doc: LooseDoc) => void) => {
    const doc = structuredClone(upscaler);
    change(doc);
    return !check(doc);
  };
  assert.ok(
    refused((d) => delete d.heights),
    "an upscale pass without its heights",
  );
  assert.ok(
    refused((d) => (d.input.video_url = { from: "video", value: "x" })),
    "a field both fed and fixed",
  );
  assert.ok(
    refused((d) => (d.input.video_url = { value: "x", as: "pixels" })),
    "a fixed value with a form",
  );
  assert.ok(
    refused((d) => (d.input.video_url = { from: "image" })),
    "a field fed from what a pass lacks",
  );
  assert.ok(
    refused((d) => (d.price = { rules: [{ per_second: 1, per_clip: 1 }] })),
    "two price shapes",
  );
  assert.ok(
    refused((d) => (d.name = "Bytedance Upscaler")),
    "a name that is no alias",
  );
  assert.ok(
    refused((d) => (d.sync_modes = ["loop"])),
    "sync modes without a default",
  );
  assert.ok(
    refused((d) => (d.limits.video = { max_side: 0 })),
    "a side of 0 px",
  );
  assert.ok(!refused(() => {}), "the file as shipped");
});

test("each name and endpoint means one model, among passes and video families alike", () => {
  const names = [
    ...shippedPasses().flatMap((p) => [...passNames(p), p.endpoint]),
    ...shippedFamilies().flatMap((f) => [...namesOf(f), ...Object.values(f.modes).map((m) => m!.endpoint)]),
  ];
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  assert.deepEqual([...new Set(twice)], [], "a name or endpoint used twice");
  assert.equal(findPass("fal-ai/sync-lipsync/v2")?.name, "sync-lipsync-2", "an endpoint names its pass");
  assert.equal(findPass("kling-lip-sync")?.name, "kling-lipsync", "an alias names its pass");
  assert.equal(findPass("kling-2.6-pro"), undefined, "a video family is no pass");
});

test("published prices, to the cent", () => {
  const kling = pass("kling-lipsync");
  // $0.014 per input video second, rolled up to the next 5 s; the audio's length does not count.
  assert.equal(passPrice(kling, { seconds: 2, audioSeconds: 2 }), 0.07);
  assert.equal(passPrice(kling, { seconds: 5, audioSeconds: 4 }), 0.07);
  assert.equal(passPrice(kling, { seconds: 7, audioSeconds: 6.5 }), 0.14);
  assert.equal(passPrice(kling, { seconds: 10, audioSeconds: 40 }), 0.14);
  // $3 per minute; the longer of the video and the audio is priced, as fal does not say which it bills.
  const sync = pass("sync-lipsync-2");
  assert.equal(passPrice(sync, { seconds: 60, audioSeconds: 50 }), 3);
  assert.equal(passPrice(sync, { seconds: 50, audioSeconds: 60 }), 3);
  assert.equal(passPrice(sync, { seconds: 5 }), 0.25);
  // $0.0072/s to 1080p at 30 fps, x2 for 2K, x4 for 4K: 5 s is $0.036, $0.072 and $0.144, rounded up.
  const up = pass("bytedance-upscaler");
  assert.equal(passPrice(up, { seconds: 5, height: "1080p" }), 0.04);
  assert.equal(passPrice(up, { seconds: 5, height: "2k" }), 0.08);
  assert.equal(passPrice(up, { seconds: 5, height: "4k" }), 0.15);
  assert.equal(passPrice(up, { seconds: 10, height: "4k" }), 0.29);
  assert.equal(passPrice(up, { seconds: 5, height: "8k" }), undefined, "a height it does not price");
  assert.equal(passPrice(up, { seconds: 5 }), undefined, "an upscale without its target");
  assert.equal(priceInWords(kling.price), "$0.07 per started 5 s");
  assert.equal(priceInWords(up.price), "$0.0072/s at 1080p; $0.0144/s at 2k; $0.0288/s at 4k");
});

test("every height and sync mode a pass offers is priced and builds a payload its schema accepts", () => {
  let checked = 0;
  for (const p of shippedPasses()) {
    // A pass's price depends only on its target and lengths (it has no mode, and sound does not price it).
    for (const rule of [...p.price.rules, ...(p.price.multipliers ?? [])])
      assert.deepEqual(
        Object.keys(rule.when ?? {}).filter((k) => k !== "resolution" && k !== "seconds_at_most"),
        [],
      );
    if (p.sync_modes) assert.ok(p.sync_modes.includes(p.default_sync_mode!), `${p.name}: its default`);
    const audio = p.kind === "lipsync" ? "https://example.com/voice.mp3" : undefined;
    for (const height of p.heights ? Object.keys(p.heights) : [undefined])
      for (const syncMode of p.sync_modes ?? [undefined]) {
        const values = { video: "https://example.com/clip.mp4", audio, height, syncMode };
        const payload = passPayload(p, values);
        assert.equal(payloadProblem(p, payload), undefined, `${p.name} ${height} ${syncMode}`);
        assert.notEqual(passPrice(p, { seconds: 5, audioSeconds: 4, ...(height && { height }) }), undefined);
        checked++;
      }
  }
  assert.equal(checked, 1 + 5 + 3);
});

test("the payloads sent, field by field; a value fal's schema refuses is caught before a submit", () => {
  const video = "https://example.com/clip.mp4";
  const audio = "https://example.com/voice.mp3";
  assert.deepEqual(passPayload(pass("kling-lipsync"), { video, audio }), {
    video_url: video,
    audio_url: audio,
  });
  const sync = pass("sync-lipsync-2");
  assert.deepEqual(passPayload(sync, { video, audio }), {
    video_url: video,
    audio_url: audio,
    sync_mode: "silence",
    model: "lipsync-2",
  });
  assert.equal(passPayload(sync, { video, audio, syncMode: "loop" }).sync_mode, "loop");
  assert.match(payloadProblem(sync, passPayload(sync, { video, audio, syncMode: "stretch" }))!, /sync_mode/);
  assert.match(payloadProblem(sync, passPayload(sync, { video })) ?? "", /audio_url/, "no voice-over");
  const up = pass("bytedance-upscaler");
  const sent = passPayload(up, { video, height: "2k" });
  assert.deepEqual(sent, {
    video_url: video,
    target_resolution: "2k",
    enhancement_preset: "aigc",
    enhancement_tier: "standard",
  });
  assert.match(payloadProblem(up, { ...sent, target_resolution: "8k" })!, /target_resolution/);
  // fal's newer copy of the upscaler's schema (target_fps a number, up to 8k, bit_depth) takes the same payload.
  assert.equal(payloadProblem({ schema: NEWER_UPSCALER_SCHEMA }, sent), undefined);
});

test("a height is sent as its name or its pixels, a frame rate as a number or with its unit", () => {
  const doc: PassDoc = {
    ...pass("bytedance-upscaler"),
    input: {
      video_url: { from: "video" },
      height: { from: "height", as: "pixels" },
      name: { from: "height" },
      fps: { from: "fps" },
      target_fps: { from: "fps", as: "suffixed" },
    },
  };
  assert.deepEqual(passPayload(doc, { video: { clip: "k" }, height: "2k", fps: 30 }), {
    video_url: { clip: "k" },
    height: 1440,
    name: "2k",
    fps: 30,
    target_fps: "30fps",
  });
  assert.deepEqual(passPayload(doc, { video: "v" }), { video_url: "v" }, "what the step lacks is left out");
});

test("the pass schemas are precompiled with the video ones (npm run schema)", () => {
  const module = precompiled as unknown as Record<string, unknown>;
  for (const p of shippedPasses()) {
    const id = `h${createHash("sha256").update(JSON.stringify(p.schema)).digest("hex")}`;
    assert.equal(typeof module[id], "function", p.name);
  }
});

// Hand-written from fal's newer llms.txt copy of the upscaler (research for issue 29, appendix).
const NEWER_UPSCALER_SCHEMA = {
  required: ["video_url"],
  type: "object",
  properties: {
    video_url: { type: "string" },
    target_resolution: { type: "string", enum: ["1080p", "2k", "4k", "6k", "8k"], default: "1080p" },
    target_fps: { type: "number", minimum: 24, maximum: 120, default: 30 },
    enhancement_preset: {
      type: "string",
      enum: ["general", "ugc", "short_series", "aigc", "old_film"],
      default: "general",
    },
    enhancement_tier: { type: "string", enum: ["fast", "standard", "pro"], default: "standard" },
    scale_ratio: { type: "number", minimum: 1.1, maximum: 10 },
    fidelity: { type: "string", enum: ["high", "medium"], default: "high" },
    bit_depth: { enum: [8, 10, 12], default: 8 },
  },
};
