// uploads.json is shared by parallel uploads and by other renders: no update may be lost.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import type { FalClient } from "@fal-ai/client";
import { updateJson } from "../../src/cache/shared-json.js";
import { ImageUploads } from "../../src/providers/fal/uploads.js";
import type { ImageRef } from "../../src/storyboard/types.js";
import { systemClock } from "../../src/util/clock.js";
import { REPO, tempDir } from "../../testkit/cli.js";

test("ten images uploaded at once all stay in uploads.json, so an edit re-uploads none of them", async () => {
  const dir = await tempDir("storyreel-uploads-");
  const file = path.join(dir, "uploads.json");
  let uploads = 0;
  const fal = {
    storage: {
      upload: async () => {
        uploads += 1;
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
        return `https://fal.test/files/${uploads}.png`;
      },
    },
  } as unknown as FalClient;
  const images: ImageRef[] = [];
  for (let i = 0; i < 10; i++) {
    const p = path.join(dir, `${i}.png`);
    await writeFile(p, `image ${i}`);
    const sha256 = `${i}`.repeat(64).slice(0, 64);
    images.push({
      kind: "file",
      source: p,
      path: p,
      sha256,
      bytes: 7,
      format: "png",
      width: 300,
      height: 300,
    });
  }
  // One uploader per image, as parallel renders would have; each record is on disk once `recorded()` resolves.
  const uploaders = images.map(() => new ImageUploads(fal, file, systemClock));
  await Promise.all(images.map((img, i) => uploaders[i]!.urlFor(img)));
  await Promise.all(uploaders.map((u) => u.recorded()));
  assert.equal(uploads, 10);
  assert.equal(Object.keys(JSON.parse(await readFile(file, "utf8"))).length, 10);
  // A later render (a new ImageUploads, as a new process would have) uploads nothing again.
  await Promise.all(images.map((img) => new ImageUploads(fal, file, systemClock).urlFor(img)));
  assert.equal(uploads, 10);
});

test("two processes updating one shared file keep every entry", async () => {
  const dir = await tempDir("storyreel-shared-");
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, "shared.json");
  const script = `
    import { updateJson } from ${JSON.stringify(path.join(REPO, "src/cache/shared-json.ts"))};
    const [file, who] = process.argv.slice(-2);
    await Promise.all(Array.from({ length: 25 }, (_, i) => updateJson(file, (c) => ({ ...c, [who + i]: i }))));
  `;
  const run = (who: string) =>
    promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script, file, who],
      {
        cwd: REPO,
      },
    );
  await Promise.all([
    run("a"),
    run("b"),
    updateJson<Record<string, number>>(file, (c) => ({ ...c, here: 1 })),
  ]);
  const entries = JSON.parse(await readFile(file, "utf8"));
  assert.equal(Object.keys(entries).length, 51);
});
