// The fake fal serves every shipped video mode as fal does, strictly: an input its published schema accepts is
// queued and answered with a clip of the asked length, in the mode's own form; a missing required field, a
// value outside an enum, a wrong type or a URL fal could not fetch is a 422 with fal's error body, never queued.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { tempDir } from "../../testkit/cli.js";
import { FakeFal, TEST_FAL_KEY } from "../../testkit/fake-fal.js";
import { type FieldError, requestedSeconds } from "../../testkit/fake-fal-schemas.js";
import { probeMedia } from "../../src/media/probe.js";
import { modeSpec, modesOf } from "../../src/models/modes.js";
import { shippedFamilies } from "../../src/models/registry.js";
import type { ModelSpec } from "../../src/models/types.js";
import { modelInput } from "../../src/storyboard/model-input.js";
import type { ImageRef, Shot } from "../../src/storyboard/types.js";
import { solidPng } from "../helpers/png.js";

let fake: FakeFal;
// Finished at once: the result is there as soon as the submit is answered.
before(async () => (fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 0 }).start()));
after(() => fake.stop());

// What the tests read of fal's answers.
interface FalBody {
  request_id: string;
  upload_url: string;
  file_url: string;
  video: Record<string, unknown> & { url: string };
  detail: FieldError[];
}

// fal's API as the client reaches it through the proxy: the target in a header, the key in another.
async function call(
  method: string,
  target: string,
  body?: unknown,
): Promise<{ status: number; body: FalBody }> {
  const res = await fetch(fake.proxyUrl, {
    method,
    headers: {
      "x-fal-target-url": target,
      authorization: `Key ${fake.key}`,
      "content-type": "application/json",
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

async function upload(): Promise<string> {
  const init = await call("POST", "https://rest.fal.ai/storage/upload/initiate?storage_type=fal-cdn-v3", {
    content_type: "image/png",
    file_name: "frame.png",
  });
  await fetch(init.body.upload_url, { method: "PUT", body: new Uint8Array(solidPng(480, 320)) });
  return init.body.file_url;
}

const submit = (endpoint: string, input: Record<string, unknown>) =>
  call("POST", `https://queue.fal.run/${endpoint}`, input);

const modes: ModelSpec[] = shippedFamilies().flatMap((f) => modesOf(f).map((m) => modeSpec(f, m)!));

// A shot that fills every field the mode takes: its longest duration, silent where sound is a choice.
function input(model: ModelSpec, url: string): Record<string, unknown> {
  const image = { kind: "file", source: "images/a.png" } as unknown as ImageRef;
  const shot = {
    id: "s1",
    model,
    prompt: "a lighthouse at dusk",
    image,
    endImage: image,
    references: [
      { name: "a", image },
      { name: "b", image },
    ],
    duration: model.durations.at(-1)!,
    audio: model.audio === "always",
    negativePrompt: "blur",
    resolution: model.resolutions?.[0],
    aspectRatio: model.aspect_ratios?.[0],
  } as unknown as Shot;
  return modelInput(model, shot, () => url);
}

function fieldFor(model: ModelSpec, from: string): string | undefined {
  return Object.entries(model.input).find(([, r]) => r.from === from)?.[0];
}

test("every shipped mode is served: at least 9 families, each mode's endpoint once", () => {
  assert.ok(new Set(modes.map((m) => m.family)).size >= 9);
  assert.ok(modes.length >= 20, `${modes.length} modes`);
});

for (const model of modes)
  test(`${model.family} ${model.mode}: a valid input makes a clip of its length; bad ones are 422s, never queued`, async () => {
    const url = await upload();
    const good = input(model, url);
    const jobs = fake.jobs.size;
    const accepted = await submit(model.endpoint, good);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    const id = accepted.body.request_id as string;
    const [owner, alias] = model.endpoint.split("/");
    const result = await call("GET", `https://queue.fal.run/${owner}/${alias}/requests/${id}`);
    assert.equal(result.status, 200);
    assert.deepEqual(
      Object.keys(result.body).sort(),
      model.family === "sora-2" ? ["seed", "video", "video_id"] : ["seed", "video"],
    );
    assert.deepEqual(Object.keys(result.body.video).sort(), [
      "content_type",
      "file_name",
      "file_size",
      "url",
    ]);
    const clip = path.join(await tempDir(), "clip.mp4");
    await writeFile(clip, Buffer.from(await (await fetch(result.body.video.url)).arrayBuffer()));
    const made = await probeMedia("ffprobe", clip);
    assert.ok(Math.abs(made.duration - model.durations.at(-1)!) < 0.1, `${made.duration} s`);
    assert.equal(made.audio !== undefined, model.audio === "always", "sound as the input asked");
    assert.equal(fake.jobs.size, jobs + 1);

    const refused = async (bad: Record<string, unknown>, loc: Array<string | number>, type: string) => {
      const answer = await submit(model.endpoint, bad);
      assert.equal(answer.status, 422, JSON.stringify(bad));
      const error = answer.body.detail.find((d) => d.loc.join(".") === loc.join("."));
      assert.ok(error, `${loc.join(".")} in ${JSON.stringify(answer.body.detail)}`);
      assert.equal(error.type, type, error.msg);
      assert.equal(fake.jobs.size, jobs + 1, "not queued");
    };
    await refused({ ...good, prompt: 42 }, ["body", "prompt"], "string_type");
    const required = (model.schema.required ?? []) as string[];
    if (required.length > 0) {
      const { [required[0]!]: _, ...missing } = good;
      await refused(missing, ["body", required[0]!], "missing");
    }
    const duration = fieldFor(model, "duration");
    if (duration) {
      const sent = good[duration];
      const tooLong = typeof sent === "number" ? 99 : String(sent).endsWith("s") ? "99s" : "99";
      const answer = await submit(model.endpoint, { ...good, [duration]: tooLong });
      assert.equal(answer.status, 422, `${duration}: ${tooLong}`);
      assert.deepEqual(answer.body.detail[0]?.loc, ["body", duration]);
    }
    const image = fieldFor(model, "image") ?? fieldFor(model, "references");
    if (image) {
      const elsewhere = "http://127.0.0.1:9/frame.png";
      const many = Array.isArray(good[image]);
      await refused(
        { ...good, [image]: many ? [url, elsewhere] : elsewhere },
        ["body", image, ...(many ? [1] : [])],
        "file_download_error",
      );
      const https = "https://example.invalid/frame.png";
      const fine = await submit(model.endpoint, { ...good, [image]: many ? [https] : https });
      assert.equal(fine.status, 200, "an https URL is fal's to fetch");
    }
  });

test("a value outside an enum is answered as pydantic words it, with the allowed values", async () => {
  const kling = modes.find((m) => m.endpoint === "fal-ai/kling-video/v2.6/pro/image-to-video")!;
  const answer = await submit(kling.endpoint, { ...input(kling, await upload()), duration: "7" });
  assert.equal(answer.status, 422);
  assert.deepEqual(answer.body.detail, [
    {
      loc: ["body", "duration"],
      msg: "Input should be '5' or '10'",
      type: "literal_error",
      ctx: { expected: "'5' or '10'" },
      input: "7",
    },
  ]);
});

test("fal's default duration, and frames: the clip is as long as fal would make it", async () => {
  const kling = modes.find((m) => m.endpoint === "fal-ai/kling-video/v2.6/pro/image-to-video")!;
  const { duration: _, ...noDuration } = input(kling, await upload());
  const accepted = await submit(kling.endpoint, noDuration);
  const job = fake.jobs.get(accepted.body.request_id)!;
  const clip = path.join(await tempDir(), "clip.mp4");
  await writeFile(clip, Buffer.from(await (await fetch(`${fake.url}/videos/${job.id}.mp4`)).arrayBuffer()));
  assert.ok(Math.abs((await probeMedia("ffprobe", clip)).duration - 5) < 0.1, 'the schema\'s default, "5"');
  // No shipped mode sends frames yet; one that does asks for seconds x fps + 1.
  const frames = {
    ...kling,
    fps: 25,
    input: { num_frames: { from: "duration" as const, as: "frames" as const } },
  };
  assert.equal(requestedSeconds(frames, { num_frames: 201 }), 8);
  const hailuo = modes.find((m) => m.endpoint === "fal-ai/minimax/hailuo-2.3/pro/image-to-video")!;
  assert.equal(requestedSeconds(hailuo, {}), 6, "a mode without a duration field makes its only duration");
});
