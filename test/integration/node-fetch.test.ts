// Submits (a connection of their own) and uploads (Node's keep-alive pool) go over Node's http module in fetch's
// shape: any status a server sends is an answer or an error, never a crash, a submit that failed before its
// connection was up says that fal cannot have it, and an upload that got no answer is sent again.
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { test } from "node:test";
import { fetchOnFreshConnection, fetchPooled } from "../../src/providers/fal/fresh-connection.js";
import { dropsTheSecond, httpServer } from "../../testkit/http-server.js";

// A server that answers every request with `reply` (raw bytes), then closes.
async function rawServer(reply: string) {
  const server = net.createServer((socket) => {
    socket.once("data", () => socket.end(reply));
    socket.on("error", () => undefined);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return { port, stop: () => server.close() };
}

test("a 205 answer to a submit is an answer with no body, not a crash", async () => {
  const s = await httpServer((req, res) => {
    req.resume();
    res.writeHead(205);
    res.end();
  });
  const body = new Blob([new Uint8Array([1, 2, 3])]);
  const response = await fetchOnFreshConnection(s.url("/fal-ai/model"), { method: "POST", body });
  assert.equal(response.status, 205);
  assert.equal(await response.text(), "");
  s.stop();
});

test("a status outside 200 to 599 is a fetch failure, not a crash", async () => {
  const s = await rawServer("HTTP/1.1 600 Odd\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
  await assert.rejects(
    fetchOnFreshConnection(`http://127.0.0.1:${s.port}/fal-ai/model`, { method: "POST", body: "{}" }),
    (err: Error & { neverSent?: boolean }) => err instanceof TypeError && !err.neverSent,
  );
  s.stop();
});

test("a submit whose TLS handshake fails never reached fal, and says so", async () => {
  // Not TLS at all: the handshake fails before one byte of the request could be read.
  const s = await rawServer("this is not TLS\r\n");
  await assert.rejects(
    fetchOnFreshConnection(`https://127.0.0.1:${s.port}/fal-ai/model`, { method: "POST", body: "{}" }),
    (err: Error & { neverSent?: boolean }) => err instanceof TypeError && err.neverSent === true,
  );
  s.stop();
});

test("a submit Node refuses to send (a bad header) never left", async () => {
  const s = await httpServer((_, res) => res.end("ok"));
  await assert.rejects(
    fetchOnFreshConnection(s.url("/fal-ai/model"), {
      method: "POST",
      body: "{}",
      headers: { authorization: "Key a\u0001b" },
    }),
    (err: Error & { neverSent?: boolean }) => err.neverSent === true,
  );
  assert.equal(s.sockets.length, 0, "no connection was opened");
  s.stop();
});

// A server that counts the bytes of each request's body and answers with the count.
function countBytes(req: http.IncomingMessage, res: http.ServerResponse) {
  let bytes = 0;
  req.on("data", (c: Buffer) => (bytes += c.length));
  req.on("end", () => res.end(JSON.stringify({ bytes })));
}

test("uploads one after another share one kept-alive connection", async () => {
  const s = await httpServer(countBytes);
  for (const size of [5, 7]) {
    const body = new Blob([new Uint8Array(size)]);
    const response = await fetchPooled(s.url("/upload/u1"), { method: "PUT", body });
    assert.deepEqual(await response.json(), { bytes: size });
  }
  assert.equal(s.sockets.length, 1);
  s.stop();
});

test("an upload whose kept-alive connection the server dropped is sent again, whole", async () => {
  const drops = dropsTheSecond(countBytes);
  const s = await httpServer(drops.handler);
  const put = () => fetchPooled(s.url("/upload/u1"), { method: "PUT", body: new Blob([new Uint8Array(9)]) });
  await (await put()).json();
  assert.deepEqual(await (await put()).json(), { bytes: 9 });
  assert.equal(drops.seen(), 3);
  s.stop();
});

test("an upload that is redirected is sent again where the server says", async () => {
  const target = await httpServer(countBytes);
  const first = await httpServer((req, res) => {
    req.resume();
    res.writeHead(307, { location: target.url("/stored").href });
    res.end();
  });
  const body = new Blob([new Uint8Array(5)]);
  const response = await fetchPooled(first.url("/upload/u1"), { method: "PUT", body });
  assert.deepEqual(await response.json(), { bytes: 5 });
  first.stop();
  target.stop();
});
