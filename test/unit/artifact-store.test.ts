// The one artifact store by (kind, key): what goes in comes back out only with the bytes its sidecar names,
// hashed as a stream for every kind; a damaged output is fetched again only when it is the same bytes; the
// local folders are the remote cache's (<cache>/<kind>s/ beside v1/<kind>s/).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import { copyFile, mkdtemp, readFile, rm, truncate, utimes, writeFile } from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import {
  changedSinceSidecar,
  evict,
  insert,
  outputFile,
  readSidecar,
  refetch,
  returnToOwnKey,
  SIDECAR_KINDS,
  type SidecarFacts,
  sidecarFile,
  type SidecarKind,
  verified,
} from "../../src/cache/artifacts/index.js";
import { cachePaths } from "../../src/cache/layout.js";
import { outputName, recordName } from "../../src/cache/remote/entries.js";
import { ProviderError } from "../../src/errors.js";
import { flipByte } from "../../testkit/cache-files.js";

const key = (c: string) => c.repeat(64);
const CREATED = "2026-01-02T03:04:05.000Z";

// Each kind's facts in the order its provider writes them (the sidecar on disk keeps that order).
const FACTS: { [K in SidecarKind]: SidecarFacts<K> } = {
  clip: {
    shot: "dawn",
    provider: "fal",
    endpoint: "fal-ai/video",
    input: { prompt: "a lighthouse" },
    request_id: "req-clip",
    created_at: CREATED,
    timings: { total_ms: 1200 },
    cost: 0.5,
    duration: 5,
    has_audio: false,
    key_material: { prompt: "a lighthouse" },
    video_url: "https://example.test/clip.mp4",
  },
  still: {
    still: "keeper",
    provider: "fal",
    endpoint: "fal-ai/image",
    input: { prompt: "a keeper" },
    request_id: "req-still",
    created_at: CREATED,
    format: "jpeg",
    width: 1280,
    height: 720,
    cost: 0.02,
    key_material: { prompt: "a keeper" },
    image_url: "https://example.test/still.jpg",
  },
  sound: {
    kind: "voice",
    endpoint: "fal-ai/tts",
    input: { text: "hello" },
    created_at: CREATED,
    format: "mp3",
    duration: 1.5,
    key_material: { text: "hello" },
    provider: "fal",
    request_id: "req-sound",
    audio_url: "https://example.test/voice.mp3",
    cost: 0.01,
  },
};
const EXT = { clip: "mp4", still: "jpg", sound: "mp3" };
const KEYS = { clip: key("a"), still: key("b"), sound: key("c") };
const URLS = { clip: FACTS.clip.video_url, still: FACTS.still.image_url, sound: FACTS.sound.audio_url };

async function cache() {
  const dir = await mkdtemp(path.join(tmpdir(), "storyreel-artifacts-"));
  return cachePaths(dir);
}

// Bytes that take several reads of a stream (its chunks are 64 KiB).
function bytesOf(kind: SidecarKind, size = 300_000): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + kind.length) & 0xff;
  return out;
}

async function put<K extends SidecarKind>(
  paths: ReturnType<typeof cachePaths>,
  kind: K,
  bytes = bytesOf(kind),
) {
  const tmp = path.join(paths.dir, `incoming.${kind}`);
  await writeFile(tmp, bytes);
  return insert(paths, kind, KEYS[kind], tmp, FACTS[kind] as SidecarFacts<K>);
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

test("insert then verified, for every kind: the output at <cache>/<kind>s/<key>.<ext>, its sidecar last", async () => {
  const paths = await cache();
  for (const kind of SIDECAR_KINDS) {
    const bytes = bytesOf(kind);
    const sidecar = await put(paths, kind, bytes);
    assert.equal(sidecar.sha256, sha256(bytes));
    assert.equal(sidecar.bytes, bytes.length);
    const file = path.join(paths.dir, `${kind}s`, `${KEYS[kind]}.${EXT[kind]}`);
    assert.equal(outputFile(paths, kind, KEYS[kind], sidecar), file);
    assert.deepEqual(await readFile(file), bytes);
    const got = await verified(paths, kind, KEYS[kind]);
    assert.ok(got.ok, `${kind} verified`);
    assert.equal(got.file, file);
    assert.deepEqual(got.sidecar, sidecar);
    assert.deepEqual(await readSidecar(paths, kind, KEYS[kind]), sidecar);
  }
});

test("the sidecar on disk is each kind's record as before: version, key, the provider's facts in order, bytes, sha256", async () => {
  const paths = await cache();
  for (const kind of SIDECAR_KINDS) {
    const bytes = bytesOf(kind, 1000);
    await put(paths, kind, bytes);
    const expected = { version: 1, key: KEYS[kind], ...FACTS[kind], bytes: 1000, sha256: sha256(bytes) };
    const text = await readFile(sidecarFile(paths, kind, KEYS[kind]), "utf8");
    assert.equal(text, `${JSON.stringify(expected, null, 2)}\n`, kind);
  }
});

test("a flipped byte, a cut file, a missing file or another key's sidecar is not verified", async () => {
  const paths = await cache();
  for (const kind of SIDECAR_KINDS) {
    const sidecar = await put(paths, kind);
    const file = outputFile(paths, kind, KEYS[kind], sidecar);
    await flipByte(file);
    assert.deepEqual(
      await verified(paths, kind, KEYS[kind]),
      { ok: false, problem: "sha256", why: "sha256 differs from the sidecar" },
      kind,
    );
    await truncate(file, 10);
    assert.equal((await verified(paths, kind, KEYS[kind])).ok || "size", "size");
    await rm(file);
    const missing = await verified(paths, kind, KEYS[kind]);
    assert.ok(!missing.ok && missing.problem === "missing" && missing.why === `${kind} file missing`);
  }
  // An output and sidecar copied under another key's name are another step's output.
  const other = key("d");
  const sidecar = await put(paths, "still");
  await copyFile(outputFile(paths, "still", KEYS.still, sidecar), outputFile(paths, "still", other, sidecar));
  await copyFile(sidecarFile(paths, "still", KEYS.still), sidecarFile(paths, "still", other));
  const copied = await verified(paths, "still", other);
  assert.ok(!copied.ok && copied.problem === "another key");
  assert.equal((await verified(paths, "still", key("e"))).ok || "no sidecar", "no sidecar");
});

test("every kind is hashed as a stream: verified opens the output with a read stream and never reads it whole", async () => {
  const paths = await cache();
  const files = new Map<SidecarKind, string>();
  for (const kind of SIDECAR_KINDS)
    files.set(kind, outputFile(paths, kind, KEYS[kind], await put(paths, kind)));
  const streamed: string[] = [];
  const whole: string[] = [];
  const { createReadStream } = fs;
  const { readFile: readWhole } = fsp;
  fs.createReadStream = ((file: string, ...rest: unknown[]) => {
    streamed.push(String(file));
    return (createReadStream as (...a: unknown[]) => fs.ReadStream)(file, ...rest);
  }) as typeof fs.createReadStream;
  fsp.readFile = ((file: string, ...rest: unknown[]) => {
    whole.push(String(file));
    return (readWhole as (...a: unknown[]) => Promise<unknown>)(file, ...rest);
  }) as typeof fsp.readFile;
  syncBuiltinESMExports();
  try {
    for (const kind of SIDECAR_KINDS) assert.ok((await verified(paths, kind, KEYS[kind])).ok);
  } finally {
    fs.createReadStream = createReadStream;
    fsp.readFile = readWhole;
    syncBuiltinESMExports();
  }
  for (const [kind, file] of files) {
    assert.ok(streamed.includes(file), `${kind} streamed`);
    assert.ok(!whole.includes(file), `${kind} never read whole`);
  }
});

test("refetch: the same bytes from the sidecar's URL repair the output for free; other bytes or a failed download change nothing", async () => {
  const paths = await cache();
  for (const kind of SIDECAR_KINDS) {
    const bytes = bytesOf(kind);
    const sidecar = await put(paths, kind, bytes);
    const file = outputFile(paths, kind, KEYS[kind], sidecar);
    await flipByte(file);
    const damaged = await readFile(file);
    const asked: string[] = [];
    const serve = (body: Buffer) => async (url: string, to: string) => {
      asked.push(url);
      await writeFile(to, body);
    };
    assert.equal(await refetch(paths, kind, KEYS[kind], serve(bytesOf(kind, 999))), false);
    assert.deepEqual(await readFile(file), damaged, "other bytes are not taken");
    const expired = async (url: string) => {
      asked.push(url);
      throw new ProviderError("the URL expired", { transient: false });
    };
    assert.equal(await refetch(paths, kind, KEYS[kind], expired), false);
    // The output made newer than its sidecar, as a damaged copy would be: the refetch makes the sidecar newer.
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    assert.ok(changedSinceSidecar(paths, kind, KEYS[kind], sidecar));
    assert.equal(await refetch(paths, kind, KEYS[kind], serve(bytes)), true);
    assert.deepEqual(await readFile(file), bytes);
    assert.ok((await verified(paths, kind, KEYS[kind])).ok);
    assert.deepEqual(asked, [URLS[kind], URLS[kind], URLS[kind]], "each time from the sidecar's URL");
    // The sidecar is newer than its output again: the cheap check trusts the repaired output.
    assert.equal(changedSinceSidecar(paths, kind, KEYS[kind], sidecar), false);
  }
  // No URL recorded: nothing to fetch from.
  const tmp = path.join(paths.dir, "free.png");
  await writeFile(tmp, bytesOf("still", 100));
  const { image_url: _, ...free } = FACTS.still;
  await insert(paths, "still", key("f"), tmp, free);
  assert.equal(await refetch(paths, "still", key("f"), async () => assert.fail("nothing to fetch")), false);
});

test("evict forgets an output and its sidecar; returnToOwnKey moves another key's output back under its own", async () => {
  const paths = await cache();
  for (const kind of SIDECAR_KINDS) {
    const sidecar = await put(paths, kind);
    await evict(paths, kind, KEYS[kind]);
    assert.equal(fs.existsSync(outputFile(paths, kind, KEYS[kind], sidecar)), false);
    assert.equal(fs.existsSync(sidecarFile(paths, kind, KEYS[kind])), false);
  }
  const frame = outputFile(paths, "frame", key("9"));
  assert.equal(frame, path.join(paths.dir, "frames", `${key("9")}.png`));
  await fsp.mkdir(path.dirname(frame), { recursive: true });
  await writeFile(frame, "png");
  await evict(paths, "frame", key("9"));
  assert.equal(fs.existsSync(frame), false);
  // A sound renamed under another key goes back under the key its sidecar names.
  const sidecar = await put(paths, "sound");
  const elsewhere = key("8");
  await fsp.rename(
    outputFile(paths, "sound", KEYS.sound, sidecar),
    outputFile(paths, "sound", elsewhere, sidecar),
  );
  await fsp.rename(sidecarFile(paths, "sound", KEYS.sound), sidecarFile(paths, "sound", elsewhere));
  assert.equal(await returnToOwnKey(paths, "sound", elsewhere), true);
  assert.ok((await verified(paths, "sound", KEYS.sound)).ok);
  assert.equal(fs.existsSync(sidecarFile(paths, "sound", elsewhere)), false);
});

test("the local layout mirrors the remote cache's: <cache>/<kind>s/ for v1/<kind>s/, the same extensions", async () => {
  const paths = await cache();
  for (const kind of SIDECAR_KINDS) {
    const sidecar = await put(paths, kind);
    const local = path
      .relative(paths.dir, sidecarFile(paths, kind, KEYS[kind]))
      .split(path.sep)
      .join("/");
    assert.equal(recordName({ kind, key: KEYS[kind] }), `v1/${local}`);
    const output = outputFile(paths, kind, KEYS[kind], sidecar);
    const remote = outputName({ kind, key: KEYS[kind] }, sidecar);
    assert.equal(path.posix.dirname(remote), `v1/${kind}s`);
    assert.equal(path.extname(remote), path.extname(output));
  }
});
