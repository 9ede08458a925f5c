// Server-Sent Events to every open page: `view`, `progress` and `render` events, and a comment every 15 s
// so proxies and the browser keep the stream open.
import type { ServerResponse } from "node:http";

const KEEP_ALIVE_MS = 15_000;

export class EventHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly timer: NodeJS.Timeout;
  // The last render's end, sent again (marked `replayed`) to a page that connects: a page whose stream dropped
  // while a render ended would otherwise show it running for good. A page that saw no render ignores it.
  private ended: string | undefined;

  constructor() {
    this.timer = setInterval(() => this.write(": keep-alive\n\n"), KEEP_ALIVE_MS);
    this.timer.unref();
  }

  // A new stream; `first` (the current view) is sent at once.
  add(res: ServerResponse, first: { event: string; data: string }): void {
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      Connection: "keep-alive",
    });
    if (this.ended) res.write(frame("render", this.ended));
    res.write(frame(first.event, first.data));
    this.clients.add(res);
    res.on("close", () => this.clients.delete(res));
  }

  publish(event: string, data: string): void {
    if (event === "render") this.ended = replayedEnd(data);
    this.write(frame(event, data));
  }

  close(): void {
    clearInterval(this.timer);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private write(text: string): void {
    for (const res of this.clients) res.write(text);
  }
}

function replayedEnd(data: string): string | undefined {
  const event = JSON.parse(data) as { state?: string };
  return event.state === "ended" ? JSON.stringify({ ...event, replayed: true }) : undefined;
}

// One event; data lines split so a newline inside it cannot end the event early.
function frame(event: string, data: string): string {
  return `event: ${event}\n${data
    .split("\n")
    .map((l) => `data: ${l}`)
    .join("\n")}\n\n`;
}
