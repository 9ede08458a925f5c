// The studio put together: a session over one storyboard, its actions, the event stream and the server.
// `close` stops a running render as a Ctrl-C of `render` would, waits for it, then closes every connection.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { PlanRequest } from "../pipeline/index.js";
import { StudioActions } from "./actions.js";
import { newToken } from "./guard.js";
import type { RunDeps } from "./render-run.js";
import { listen } from "./server.js";
import { StudioSession } from "./session.js";
import { EventHub } from "./sse.js";

export interface StudioConfig {
  // The plan request for the one storyboard (files: [it]).
  request: PlanRequest;
  // The storyboard's absolute path.
  file: string;
  run: Omit<RunDeps, "publish">;
  // 0: any free port.
  port: number;
  pageDir: string;
  onBug: (err: unknown) => void;
}

export interface Studio {
  // http://127.0.0.1:PORT/?token=TOKEN
  url: string;
  port: number;
  token: string;
  close: () => Promise<void>;
}

export async function startStudio(config: StudioConfig): Promise<Studio> {
  const hub = new EventHub();
  const session = new StudioSession({
    request: config.request,
    file: config.file,
    publish: (view) => hub.publish("view", JSON.stringify(view)),
  });
  await session.refresh();
  session.watch();
  const actions = new StudioActions(session, { ...config.run, publish: (e, d) => hub.publish(e, d) });
  const token = newToken();
  let server: Server;
  try {
    server = await listen(
      { session, actions, hub, token, pageDir: config.pageDir, onBug: config.onBug },
      config.port,
    );
  } catch (err) {
    session.close();
    hub.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      await actions.close();
      session.close();
      hub.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
