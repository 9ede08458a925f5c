// Schema, TypeScript types and example storyboards agree; images are recognised by their bytes.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { loadStoryboard, planRender, validateStoryboard } from "../../src/index.js";
import { sniffImage } from "../../src/storyboard/image-info.js";
import { storyboardSchema } from "../../src/storyboard/schema-check.js";
import { RENDER_KEYS, SHOT_KEYS, STILL_KEYS, STORYBOARD_KEYS } from "../../src/storyboard/types.js";
import { REPO } from "../../testkit/cli.js";
import { solidPng } from "../helpers/png.js";

test("the JSON schema's keys are exactly the TypeScript types' keys", () => {
  const schema = storyboardSchema() as {
    properties: Record<string, { properties?: object }>;
    definitions: { shot: { properties: object } };
  };
  assert.deepEqual(Object.keys(schema.properties).sort(), [...STORYBOARD_KEYS].sort());
  assert.deepEqual(Object.keys(schema.definitions.shot.properties).sort(), [...SHOT_KEYS].sort());
  assert.deepEqual(Object.keys(schema.properties.render!.properties!).sort(), [...RENDER_KEYS].sort());
  const still = (schema.definitions as unknown as { still: { properties: object } }).still;
  assert.deepEqual(Object.keys(still.properties).sort(), [...STILL_KEYS].sort());
});

test("every example storyboard in manifests/ validates and plans", async () => {
  const files = readdirSync(path.join(REPO, "manifests")).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.length > 0);
  for (const f of files) {
    const board = await validateStoryboard(await loadStoryboard(path.join(REPO, "manifests", f)));
    const plan = planRender(board, { has: () => false }, { provider: "fal" });
    assert.equal(plan.shots.length, board.shots.length);
    assert.ok(plan.cost.film > 0);
  }
});

test("the demo storyboard has 4 to 6 shots and resolves defaults", async () => {
  const board = await validateStoryboard(await loadStoryboard(path.join(REPO, "manifests", "demo.yaml")));
  assert.ok(board.shots.length >= 4 && board.shots.length <= 6);
  assert.equal(board.output, "out/demo.mp4");
  assert.equal(board.shots[2]!.audio, false);
  assert.deepEqual(board.shots[1]!.transition, { type: "crossfade", duration: 0.5 });
  assert.deepEqual(board.shots[0]!.transition, { type: "cut", duration: 0 });
});

test("PNG, JPEG and WebP are recognised by magic bytes with their size", () => {
  assert.deepEqual(sniffImage(solidPng(640, 360)), { format: "png", width: 640, height: 360 });
  const jpeg = Buffer.from([
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0x68, 0x02, 0x80,
    0x03, 0, 0, 0, 0,
  ]);
  assert.deepEqual(sniffImage(jpeg), { format: "jpeg", width: 640, height: 360 });
  const webp = Buffer.alloc(30);
  webp.write("RIFF", 0, "latin1");
  webp.write("WEBPVP8X", 8, "latin1");
  webp.writeUIntLE(639, 24, 3);
  webp.writeUIntLE(359, 27, 3);
  assert.deepEqual(sniffImage(webp), { format: "webp", width: 640, height: 360 });
  assert.equal(sniffImage(Buffer.from("GIF89a....................")), undefined);
});

test("the storyboard reference (docs/storyboard.md) lists exactly the schema's keys", async () => {
  const { readFileSync } = await import("node:fs");
  const page = readFileSync(path.join(REPO, "docs", "storyboard.md"), "utf8");
  const section = page.slice(page.indexOf("## Reference"), page.indexOf("## What `validate` checks"));
  const documented = [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!).sort();
  const schema = storyboardSchema() as {
    properties: Record<string, { properties?: Record<string, { properties?: object }> }>;
    definitions: { shot: { properties: Record<string, { properties?: object }> } };
  };
  const keys: string[] = [];
  const walk = (props: Record<string, { properties?: object }>, prefix: string) => {
    for (const [k, v] of Object.entries(props)) {
      keys.push(prefix + k);
      if (v.properties) walk(v.properties as Record<string, { properties?: object }>, `${prefix}${k}.`);
    }
  };
  walk(schema.properties, "");
  walk(schema.definitions.shot.properties, "shots[].");
  const defs = schema.definitions as unknown as Record<
    string,
    { properties: Record<string, { properties?: object }> }
  >;
  walk(defs.still!.properties, "stills.NAME.");
  walk(defs.imageRef!.properties, "shots[].image.");
  assert.deepEqual(documented, keys.sort());
});

test("the precompiled schema validator matches schemas/storyboard.schema.json", async () => {
  const { execa } = await import("execa");
  const r = await execa("node", [path.join(REPO, "scripts", "compile-schema.mjs"), "--check"], {
    reject: false,
  });
  assert.equal(r.exitCode, 0, r.stderr);
});

test("every video model family file satisfies schemas/video-model.schema.json", async () => {
  const { readFileSync } = await import("node:fs");
  const { Ajv } = await import("ajv");
  const check = new Ajv({ allErrors: true, strict: false }).compile(
    JSON.parse(readFileSync(path.join(REPO, "schemas", "video-model.schema.json"), "utf8")),
  );
  const dir = path.join(REPO, "models", "video");
  const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  assert.ok(files.length >= 10);
  for (const f of files)
    assert.ok(
      check(JSON.parse(readFileSync(path.join(dir, f), "utf8"))),
      `${f}: ${JSON.stringify(check.errors)}`,
    );
});
