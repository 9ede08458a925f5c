// A generated file's download (Node's http module): redirects followed and each place checked, a short body or a
// dropped connection a transient failure, a refusal not, and a kept-alive connection the server closed asked
// again on a new one.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { ProviderError } from "../../src/errors.js";
import { downloadFile } from "../../src/providers/fal/download.js";
import { tempDir } from "../../testkit/cli.js";
import { dropsTheSecond, httpServer } from "../../testkit/http-server.js";

const BYTES = Buffer.from("a tiny stand-in for a video");

test("a download follows redirects and writes every byte", async () => {
  const s = await httpServer((req, res) => {
    if (req.url === "/moved") return void res.writeHead(302, { location: "/clip.mp4" }).end();
    res.writeHead(200, { "content-length": BYTES.length }).end(BYTES);
  });
  const target = path.join(await tempDir(), "clip.mp4");
  assert.equal(await downloadFile(s.url("/moved").href, target), BYTES.length);
  assert.deepEqual(await readFile(target), BYTES);
  s.stop();
});

test("a redirect to plain http off this machine is refused, not followed", async () => {
  const s = await httpServer((_, res) =>
    res.writeHead(301, { location: "http://example.invalid/x.mp4" }).end(),
  );
  await assert.rejects(
    downloadFile(s.url("/x").href, path.join(await tempDir(), "x.mp4")),
    (err: ProviderError) => /refusing to download/.test(err.message) && !err.transient,
  );
  s.stop();
});

test("a body shorter than its length is a transient failure and leaves no file", async () => {
  const s = await httpServer((_, res) => {
    res.writeHead(200, { "content-length": BYTES.length * 2 });
    res.write(BYTES);
    setTimeout(() => res.socket?.destroy(), 20);
  });
  const target = path.join(await tempDir(), "short.mp4");
  await assert.rejects(downloadFile(s.url("/short").href, target), (err: ProviderError) => err.transient);
  await assert.rejects(readFile(target), { code: "ENOENT" });
  s.stop();
});

test("a 404 is a failure a retry does not mend; a 503 is one it may", async () => {
  const s = await httpServer((req, res) => res.writeHead(req.url === "/gone" ? 404 : 503).end());
  const dir = await tempDir();
  await assert.rejects(
    downloadFile(s.url("/gone").href, path.join(dir, "a.mp4")),
    (e: ProviderError) => !e.transient,
  );
  await assert.rejects(
    downloadFile(s.url("/busy").href, path.join(dir, "b.mp4")),
    (e: ProviderError) => e.transient,
  );
  s.stop();
});

test("a kept-alive connection the server dropped is asked again on a new one", async () => {
  const drops = dropsTheSecond((_, res) => res.writeHead(200, { "content-length": BYTES.length }).end(BYTES));
  const s = await httpServer(drops.handler);
  const dir = await tempDir();
  await downloadFile(s.url("/a.mp4").href, path.join(dir, "a.mp4"));
  assert.equal(await downloadFile(s.url("/b.mp4").href, path.join(dir, "b.mp4")), BYTES.length);
  assert.equal(drops.seen(), 3);
  s.stop();
});
