// Connections opened ahead of a submit: toward the last submit's origin, only for a shot that waits, one request
// each, and never one the server closed or that sat idle past its age.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { SpareConnections } from "../../src/providers/fal/spare-connections.js";

async function server(onConnection?: (socket: Socket) => void) {
  const sockets: Socket[] = [];
  const requests: Array<{ socket: Socket; url: string }> = [];
  const s = http.createServer((req, res) => {
    requests.push({ socket: req.socket, url: req.url ?? "" });
    res.setHeader("connection", "close");
    res.end("ok");
  });
  s.on("connection", (socket: Socket) => {
    sockets.push(socket);
    onConnection?.(socket);
  });
  s.listen(0, "127.0.0.1");
  await once(s, "listening");
  const url = new URL(`http://127.0.0.1:${(s.address() as AddressInfo).port}/fal-ai/model`);
  return {
    url,
    sockets,
    requests,
    stop: () => {
      s.closeAllConnections();
      s.close();
    },
  };
}

// Waits until `check` holds (a spare's connect and close happen on the event loop).
async function until(check: () => boolean) {
  for (let i = 0; i < 200 && !check(); i++) await sleep(5);
  assert.ok(check());
}

function post(url: URL, socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", createConnection: () => socket }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.end("{}");
  });
}

test("nothing is opened before a first submit names the origin, nor when no shot waits", async () => {
  const s = await server();
  const spares = new SpareConnections();
  spares.waitingForSlot(1);
  spares.prepare();
  assert.equal(await spares.take(s.url), undefined, "the first submit opens its own connection");
  spares.waitingForSlot(-1);
  spares.prepare();
  await sleep(30);
  assert.equal(s.sockets.length, 0);
  s.stop();
});

test("a spare opens toward the last submit's origin and carries exactly one request", async () => {
  const s = await server();
  const spares = new SpareConnections();
  await spares.take(s.url);
  spares.waitingForSlot(1);
  spares.prepare();
  spares.prepare();
  await until(() => s.sockets.length === 1);
  assert.equal(s.sockets.length, 1, "one spare per waiting shot");
  const socket = await spares.take(s.url);
  assert.ok(socket);
  assert.equal(await spares.take(s.url), undefined, "a spare is handed out once");
  assert.equal(await post(s.url, socket), "ok");
  assert.equal(s.requests.length, 1);
  assert.equal(s.requests[0]!.socket, s.sockets[0]);
  s.stop();
});

test("a spare the server closed is never used", async () => {
  const s = await server((socket) => socket.end());
  const spares = new SpareConnections();
  await spares.take(s.url);
  spares.waitingForSlot(1);
  spares.prepare();
  await until(() => s.sockets.length === 1);
  await sleep(50);
  assert.equal(await spares.take(s.url), undefined);
  s.stop();
});

test("a close the server sent while the event loop was busy is seen before the spare is handed out", async () => {
  // The server is another process, so it closes the connection while this one is busy.
  const child = spawn(
    process.execPath,
    [
      "-e",
      "const s=require('net').createServer(c=>setTimeout(()=>c.end(),20));s.listen(0,'127.0.0.1',()=>console.log(s.address().port))",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const [line] = (await once(child.stdout!, "data")) as [Buffer];
  const url = new URL(`http://127.0.0.1:${String(line).trim()}/fal-ai/model`);
  const spares = new SpareConnections();
  await spares.take(url);
  spares.waitingForSlot(1);
  spares.prepare();
  await sleep(10);
  // Busy, as at a wave change: the server's close arrives meanwhile, unseen.
  const busyUntil = Date.now() + 80;
  while (Date.now() < busyUntil);
  assert.equal(await spares.take(url), undefined);
  child.kill();
});

test("an unused spare is closed once it is older than its age limit", async () => {
  const s = await server();
  const spares = new SpareConnections(40);
  await spares.take(s.url);
  spares.waitingForSlot(1);
  spares.prepare();
  await until(() => s.sockets.length === 1);
  await until(() => s.sockets[0]!.destroyed || s.sockets[0]!.readableEnded);
  assert.equal(await spares.take(s.url), undefined);
  s.stop();
});

test("a spare is only for its own origin", async () => {
  const a = await server();
  const b = await server();
  const spares = new SpareConnections();
  await spares.take(a.url);
  spares.waitingForSlot(1);
  spares.prepare();
  await until(() => a.sockets.length === 1);
  assert.equal(await spares.take(b.url), undefined);
  a.stop();
  b.stop();
});
