// The video model registry as data: every shipped family is valid, priced for every clip it can make, and
// builds payloads its own schema accepts; prices are expressions evaluated to the cent, never under.
import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseMode, modeSpec, modesOf } from "../../src/models/modes.js";
import { payloadProblem } from "../../src/models/payload-check.js";
import { clipFacts, clipPrice, priceInWords } from "../../src/models/price.js";
import { findFamily, shippedFamilies, videoModels } from "../../src/models/registry.js";
import type { ModeDoc, ModelSpec, PriceExpression, VideoFamily } from "../../src/models/types.js";
import { modelInput, referenceMentions, sentPrompt } from "../../src/storyboard/model-input.js";
import { modeValueProblems } from "../../src/models/mode-values.js";
import type { Shot } from "../../src/storyboard/types.js";
import { priceOfInput } from "../../src/plan/price-input.js";
import { shot } from "../helpers/unit-fixtures.js";

const family = (name: string) => findFamily(videoModels(), name)!;
const mode = (name: string, m: Parameters<typeof modeSpec>[1]) => modeSpec(family(name), m)!;
const price = (model: ModelSpec, duration: number, audio = true, resolution?: string) =>
  clipPrice(model.price, clipFacts(model, { duration, audio, ...(resolution && { resolution }) }));

test("at least ten families ship, each with sources read on a date, and no name used twice", () => {
  const families = shippedFamilies();
  assert.ok(families.length >= 10, `${families.length} families`);
  const names = families.flatMap((f) => [f.family, ...(f.aliases ?? [])]);
  assert.equal(new Set(names).size, names.length, "an alias names two families");
  for (const f of families) {
    assert.ok(f.sources.length > 0, f.family);
    for (const s of f.sources) assert.match(s.read, /^\d{4}-\d{2}-\d{2}$/, `${f.family}: ${s.url}`);
  }
});

test("every mode prices every clip it can make, and builds a payload its schema accepts", () => {
  let checked = 0;
  for (const f of shippedFamilies())
    for (const name of modesOf(f)) {
      const m = modeSpec(f, name)!;
      for (const duration of m.durations)
        for (const resolution of m.resolutions ?? [undefined])
          for (const audio of m.audio === "optional" ? [true, false] : [m.audio === "always"]) {
            const s = sampleShot(m, { duration, audio, ...(resolution && { resolution }) });
            assert.notEqual(clipPrice(m.price, clipFacts(m, s)), undefined, `${m.name} ${duration} s`);
            const payload = modelInput(m, s, () => "https://example.com/a.png");
            assert.equal(payloadProblem(m, payload), undefined, `${m.name} ${duration} s ${resolution}`);
            checked++;
          }
    }
  assert.ok(checked > 100, `${checked} payloads`);
});

test("published prices, to the cent", () => {
  assert.equal(price(mode("kling-2.6-pro", "image-to-video"), 5), 0.7);
  assert.equal(price(mode("kling-2.6-pro", "image-to-video"), 5, false), 0.35);
  assert.equal(price(mode("kling-2.6-pro", "image-to-video"), 10), 1.4);
  // Kling 3.0: fal's llms.txt ($0.336/s with audio) and playground ($0.168/s) disagree; the higher is taken.
  assert.equal(price(mode("kling-3.0-pro", "image-to-video"), 5), 1.68);
  assert.equal(price(mode("veo-3.1", "image-to-video"), 8, true, "1080p"), 3.2);
  assert.equal(price(mode("veo-3.1", "image-to-video"), 8, false, "720p"), 1.6);
  assert.equal(price(mode("veo-3.1", "image-to-video"), 8, true, "4k"), 4.8);
  assert.equal(price(mode("veo-3.1-fast", "text-to-video"), 8, true, "1080p"), 1.2);
  assert.equal(price(mode("sora-2", "text-to-video"), 4), 0.4);
  assert.equal(price(mode("hailuo-2.3-pro", "image-to-video"), 6, false), 0.49);
  assert.equal(price(mode("wan-2.7", "image-to-video"), 5, true), 0.75);
  assert.equal(price(mode("wan-2.7", "image-to-video"), 5, true, "720p"), 0.5);
  assert.equal(price(mode("ltx-2", "image-to-video"), 6, true), 0.36);
  // Seedance: $0.3034/s at 720p (the higher of fal's two figures): 1.517, rounded up.
  assert.equal(price(mode("seedance-2.0", "text-to-video"), 5), 1.52);
});

test("every price shape fal uses can be written, and rounds up to the cent", () => {
  const facts = { mode: "image-to-video" as const, seconds: 7, audio: true };
  const of = (p: PriceExpression, f = {}) => clipPrice(p, { ...facts, ...f });
  // Per clip by duration bucket (Hailuo 2.3 standard: $0.28 per 6 s, $0.56 per 10 s).
  const bucket = { rules: [{ when: { seconds_at_most: 6 }, per_clip: 0.28 }, { per_clip: 0.56 }] };
  assert.equal(of(bucket, { seconds: 6 }), 0.28);
  assert.equal(of(bucket, { seconds: 10 }), 0.56);
  // A base clip and a rate per extra second (Kling 2.5 Turbo: $0.35 for 5 s, $0.07 each second more).
  assert.equal(
    of({ rules: [{ base: 0.35, base_seconds: 5, per_extra_second: 0.07 }] }, { seconds: 10 }),
    0.7,
  );
  // Per started block of 5 s (Kling lip-sync): 7 s is two blocks.
  assert.equal(of({ rules: [{ per_block: 0.14, block_seconds: 5 }] }), 0.28);
  // Per output megapixel, rounded up (LTX-2 19B: 1280x720x121 frames = 111.5 MP -> 112 x $0.0018 = $0.2016).
  const mp = { rules: [{ per_megapixel: 0.0018 }] };
  assert.equal(of(mp, { seconds: 121 / 25, size: [1280, 720], fps: 25 }), 0.21);
  // Multipliers on a resolution, tier or input (Seedance x0.6 with video inputs).
  const times = { rules: [{ per_second: 0.1 }], multipliers: [{ when: { resolution: ["4k"] }, by: 3 }] };
  assert.equal(of(times, { seconds: 5, resolution: "4k" }), 1.5);
  assert.equal(of({ rules: [{ when: { audio: false }, per_second: 0.1 }] }), undefined, "no rule applies");
  assert.equal(
    priceInWords(family("kling-2.6-pro").price),
    "$0.07/s without audio; $0.168/s with audio and voice control; $0.14/s with audio",
  );
});

test("a request found in fal's listing is priced from its input as the plan priced it", () => {
  const veo = mode("veo-3.1", "image-to-video");
  assert.equal(
    priceOfInput(veo.endpoint, {
      prompt: "x",
      image_url: "u",
      duration: "8s",
      resolution: "1080p",
      generate_audio: true,
    }),
    3.2,
  );
  assert.equal(priceOfInput(veo.endpoint, { prompt: "x", duration: "4s", generate_audio: false }), 0.8);
  assert.equal(priceOfInput(mode("sora-2", "text-to-video").endpoint, { prompt: "x", duration: 8 }), 0.8);
});

test("the shot's inputs choose the mode; an end frame goes to Kling 2.6's image-to-video endpoint", () => {
  const choose = (f: VideoFamily, image: boolean, endImage: boolean, references: boolean) =>
    chooseMode(f, { image, endImage, references });
  assert.equal(choose(family("veo-3.1"), false, false, false), "text-to-video");
  assert.equal(choose(family("veo-3.1"), true, false, false), "image-to-video");
  assert.equal(choose(family("veo-3.1"), true, true, false), "first-last-frame");
  assert.equal(choose(family("veo-3.1"), false, false, true), "reference-to-video");
  assert.equal(choose(family("kling-2.6-pro"), true, true, false), "image-to-video");
  assert.equal(
    choose(family("ltx-2"), true, true, false),
    "first-last-frame",
    "LTX-2 has no end frame at all",
  );
  assert.equal(
    findFamily(videoModels(), "fal-ai/veo3.1/image-to-video")?.family,
    "veo-3.1",
    "an endpoint names its family",
  );
});

test("@name becomes the model's tag in reference order; Veo keeps the name; an e-mail is left alone", () => {
  const refs = [
    { name: "keeper", at: 0, image: { kind: "still" as const, source: "still keeper", still: "keeper" } },
    { name: "boy", at: 1, image: { kind: "still" as const, source: "still boy", still: "boy" } },
  ];
  const prompt = "@keeper hands @boy the lantern; mail ann@boy.org";
  const o3 = mode("kling-o3-pro", "reference-to-video");
  assert.equal(
    sentPrompt({ prompt, references: refs, model: o3 }),
    "@Image1 hands @Image2 the lantern; mail ann@boy.org",
  );
  const veo = mode("veo-3.1", "reference-to-video");
  assert.equal(
    sentPrompt({ prompt, references: refs, model: veo }),
    "keeper hands boy the lantern; mail ann@boy.org",
  );
});

function sampleShot(model: ModelSpec, over: Partial<Shot>): Shot {
  const base = shot(0, { model, ...over });
  const { image: _image, endImage: _end, ...rest } = base;
  const file = base.image!;
  return {
    ...rest,
    ...(model.mode !== "text-to-video" && model.mode !== "reference-to-video" && { image: file }),
    ...(model.mode === "first-last-frame" && { endImage: file }),
    ...(model.mode === "reference-to-video" && { references: [{ name: "a", image: file, at: 0 }] }),
    ...(model.aspect_ratios && { aspectRatio: model.aspect_ratios[0] }),
    ...(model.default_negative_prompt === undefined && { negativePrompt: undefined }),
  } as Shot;
}

test("a model file's own lists are checked against its schema and each other; the shipped ones pass", () => {
  for (const f of shippedFamilies()) assert.deepEqual(modeValueProblems(f), [], f.family);
  const problemsWith = (change: (mode: ModeDoc) => void) => {
    const sora = structuredClone(family("sora-2")) as VideoFamily;
    change(sora.modes["text-to-video"]!);
    return modeValueProblems(sora).map((p) => `${p.at.join(".")}: ${p.message}`);
  };
  assert.match(
    problemsWith((text) => (text.durations = { min: 5, max: 3 }))[0]!,
    /durations: must run from min up to max/,
  );
  assert.match(problemsWith((text) => (text.durations = { min: 1, max: 5e9 }))[0]!, /durations: must run/);
  assert.match(
    problemsWith((text) => (text.durations = [4, 5]))[0]!,
    /durations: offers 5, which its schema refuses/,
  );
  assert.match(problemsWith((text) => (text.default_duration = 6))[0]!, /default_duration: is 6/);
  assert.match(
    problemsWith(
      (text) => (text.schema = { type: "object", properties: { duration: { type: "nonsense" } } }),
    )[0]!,
    /schema: is not a valid JSON schema/,
  );
});

test("@name takes the longest reference name written there; an unknown one is named whole", () => {
  const names = ["boy", "boy.v2", "keeper"];
  assert.deepEqual(
    referenceMentions("@boy.v2 waves at @boy; @keeper. ann@boy.org @bo", names).map((m) => [m.name, m.known]),
    [
      ["boy.v2", true],
      ["boy", true],
      ["keeper", true],
      ["bo", false],
    ],
  );
});

test("a per-megapixel price counts the frames the request asks for", () => {
  const base = mode("ltx-2", "image-to-video");
  const model = {
    ...base,
    fps: 25,
    sizes: { "720p": [1280, 720] as [number, number] },
    resolutions: ["720p"],
    default_resolution: "720p",
    input: { ...base.input, duration: { from: "duration" as const, as: "frames" as const } },
    price: { rules: [{ per_megapixel: 0.0018 }] },
  };
  // 4.8 s at 25 fps is sent as 121 frames: 1280 x 720 x 121 = 111.5 MP, rounded up to 112: $0.2016.
  assert.equal(clipPrice(model.price, clipFacts(model, { duration: 4.8, audio: true })), 0.21);
  assert.equal(clipFacts(model, { duration: 4.8, audio: true }).frames, 121);
});
