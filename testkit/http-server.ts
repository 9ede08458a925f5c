// Small http servers on a free loopback port, for the tests of storyreel's own http clients.
import { once } from "node:events";
import http from "node:http";
import type net from "node:net";
import type { AddressInfo } from "node:net";

// A server with the connections it accepted.
export async function httpServer(handler: http.RequestListener) {
  const server = http.createServer(handler);
  const sockets: net.Socket[] = [];
  server.on("connection", (socket: net.Socket) => sockets.push(socket));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: (pathname: string) =>
      new URL(pathname, `http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    sockets,
    stop: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

// A handler that drops the second request unanswered (it arrives on the first's kept-alive connection, as one the
// server closed while it sat idle) and gives every other to `answer`; `seen()` counts them.
export function dropsTheSecond(answer: http.RequestListener) {
  let seen = 0;
  const handler: http.RequestListener = (req, res) => {
    seen += 1;
    if (seen === 2) return void req.socket.destroy();
    answer(req, res);
  };
  return { handler, seen: () => seen };
}
