// Connections opened just before a submit needs one. A shot waiting for a slot will submit as soon as a running
// request's result is fetched; its connection is opened when that request completes, so the TCP (and TLS)
// handshake happens while the result is fetched, not after. Each connection still carries exactly one request,
// and is used within 250 ms of opening (a result takes milliseconds to fetch) or closed, so a submit never goes
// out on a connection that sat idle.
import net, { type Socket } from "node:net";
import tls from "node:tls";

// See take().
const FRESH_MS = 50;

interface Spare {
  origin: string;
  openedAt: number;
  socket: Socket;
  forget: () => void;
}

export class SpareConnections {
  private readonly spares: Spare[] = [];
  private lastOrigin?: URL;
  // Shots whose input is uploaded and which wait for a slot to submit.
  private waiting = 0;
  // A spare unused for this long is closed: a submit never goes out on a connection that sat idle.
  constructor(private readonly maxAgeMs = 250) {}

  // Around a shot's wait for a slot.
  waitingForSlot(delta: 1 | -1): void {
    this.waiting += delta;
  }

  // A request completed: open a connection for the next waiting submit, to where the last submit went.
  prepare(): void {
    const url = this.lastOrigin;
    if (!url || this.spares.length >= this.waiting) return;
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const socket =
      url.protocol === "https:"
        ? tls.connect({ host, port, servername: net.isIP(host) ? "" : host, ALPNProtocols: ["http/1.1"] })
        : net.connect({ host, port });
    socket.setNoDelay(true);
    // An unused spare must not keep the process (or a test's server) alive.
    socket.unref();
    const spare: Spare = { origin: url.origin, openedAt: Date.now(), socket, forget: () => undefined };
    const drop = () => {
      spare.forget();
      socket.destroy();
    };
    const timer = setTimeout(drop, this.maxAgeMs).unref();
    socket.once("error", drop).once("end", drop).once("close", drop);
    spare.forget = () => {
      clearTimeout(timer);
      socket.off("error", drop).off("end", drop).off("close", drop);
      const at = this.spares.indexOf(spare);
      if (at >= 0) this.spares.splice(at, 1);
    };
    this.spares.push(spare);
  }

  // A spare for a submit to `url`, handed over for good; undefined when none is open.
  async take(url: URL): Promise<Socket | undefined> {
    this.lastOrigin = new URL(url.origin);
    const spare = this.spares.find((s) => s.origin === url.origin && !s.socket.destroyed);
    if (!spare) return undefined;
    this.spares.splice(this.spares.indexOf(spare), 1);
    // A close the server sent while the event loop was busy is seen only on a later turn. A spare opened within
    // the last 50 ms carries the same risk as a new connection (its connect is seen on a busy turn too); an
    // older one waits for that turn, so a submit is not written on a connection the server has given up.
    if (Date.now() - spare.openedAt > FRESH_MS) await new Promise((resolve) => setImmediate(resolve));
    const { socket } = spare;
    if (socket.destroyed || socket.readableEnded || !socket.writable) {
      spare.forget();
      socket.destroy();
      return undefined;
    }
    spare.forget();
    socket.ref();
    return socket;
  }
}
