// Stream a generated video to disk, refusing plain http except on loopback, and detecting truncation.
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { ProviderError } from "../../errors.js";
import { removeIfExists, withPath } from "../../util/fs.js";
import { fileSystemProblem } from "../../cache/writable.js";
import type { ProviderContext } from "../types.js";
import { REDIRECTS } from "./fresh-connection.js";

export function checkDownloadUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    throw new ProviderError(`fal returned an invalid video URL (${JSON.stringify(raw).slice(0, 80)})`, {
      transient: false,
    });
  }
  if (url.protocol === "https:") return url;
  if (url.protocol === "http:" && isLoopback(url.hostname)) return url;
  throw new ProviderError(
    `refusing to download the video over ${url.protocol} from ${url.hostname}: only https (or loopback) is allowed`,
    { transient: false },
  );
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "[::1]" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

// Download to `target`; a short body (fewer bytes than Content-Length) is a transient failure.
export async function downloadFile(raw: string, target: string, signal?: AbortSignal): Promise<number> {
  const url = checkDownloadUrl(raw);
  await mkdir(path.dirname(target), { recursive: true });
  let response: IncomingMessage;
  try {
    response = await get(url, signal);
  } catch (err) {
    if (err instanceof ProviderError) throw err;
    throw new ProviderError(`downloading the video failed: ${(err as Error).message}`, {
      transient: true,
      cause: err,
    });
  }
  const status = response.statusCode ?? 0;
  if (status < 200 || status > 299) {
    response.resume();
    throw new ProviderError(`downloading the video failed: HTTP ${status}`, {
      transient: status >= 500 || status === 429,
    });
  }
  const expected = Number(response.headers["content-length"] ?? NaN);
  let received = 0;
  response.on("data", (chunk: Buffer) => (received += chunk.length));
  try {
    await pipeline(response, createWriteStream(target));
  } catch (err) {
    await removeIfExists(target);
    // A full or read-only disk does not mend in the seconds a retry waits: say so at once.
    const disk = fileSystemProblem(withPath(err, target));
    if (disk) throw new ProviderError(`downloading the video: ${disk}`, { transient: false, cause: err });
    throw new ProviderError(
      `the video download broke off after ${received} bytes: ${(err as Error).message}`,
      { transient: true, cause: err },
    );
  }
  if (Number.isFinite(expected) && received !== expected) {
    await removeIfExists(target);
    throw new ProviderError(`the video download was truncated (${received} of ${expected} bytes)`, {
      transient: true,
    });
  }
  return received;
}

const MOST_REDIRECTS = 5;

// The answer to a GET over Node's http module, redirects followed (each place checked as the first). Its socket's
// buffers go straight to the file: through fetch's web stream, eight 20 MB downloads at once peaked about 35 MB
// higher.
async function get(
  url: URL,
  signal: AbortSignal | undefined,
  hops = 0,
  fresh = false,
): Promise<IncomingMessage> {
  const send = url.protocol === "https:" ? https.get : http.get;
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    let answered = false;
    const options = { ...(signal && { signal }), ...(fresh && { agent: false as const }) };
    const request = send(url, options, (res) => {
      answered = true;
      resolve(res);
    });
    // A kept-alive connection the server closed while it sat idle: asked again on a new one.
    request.on("error", (err) =>
      request.reusedSocket && !answered && !fresh && !signal?.aborted
        ? get(url, signal, hops, true).then(resolve, reject)
        : reject(err),
    );
  });
  const location = response.headers.location;
  if (!REDIRECTS.has(response.statusCode ?? 0) || !location) return response;
  response.resume();
  if (hops >= MOST_REDIRECTS)
    throw new ProviderError(`downloading the video failed: more than ${MOST_REDIRECTS} redirects`, {
      transient: false,
    });
  return get(checkDownloadUrl(new URL(location, url).href), signal, hops + 1);
}

// A paid output is downloaded (and checked) again on a transient failure, never submitted again: each attempt
// gets a fresh temporary file, removed when the attempt fails.
export async function retryDownload<T>(
  ctx: ProviderContext,
  requestId: string,
  attempts: number,
  tempFile: () => string,
  fetchAndCheck: (tmp: string) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const tmp = tempFile();
    try {
      ctx.update({
        state: "downloading",
        request_id: requestId,
        ...(attempt > 1 && { detail: `attempt ${attempt}` }),
      });
      return await fetchAndCheck(tmp);
    } catch (err) {
      await removeIfExists(tmp);
      const e =
        err instanceof ProviderError
          ? err
          : new ProviderError(String((err as Error).message), { transient: true, requestId });
      if (!e.transient || attempt >= attempts) throw e;
      ctx.update({ state: "retrying", detail: `${e.message}; downloading again (no new request)` });
      await ctx.clock.sleep(500 * attempt);
    }
  }
}
