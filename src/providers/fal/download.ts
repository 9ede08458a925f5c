// Stream a generated video to disk, refusing plain http except on loopback, and detecting truncation.
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ProviderError } from "../../errors.js";
import { removeIfExists, withPath } from "../../util/fs.js";
import { fileSystemProblem } from "../../cache/writable.js";
import type { ProviderContext } from "../types.js";

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
  let response: Response;
  try {
    response = await fetch(url, signal ? { signal } : {});
  } catch (err) {
    throw new ProviderError(`downloading the video failed: ${(err as Error).message}`, {
      transient: true,
      cause: err,
    });
  }
  if (!response.ok || !response.body) {
    throw new ProviderError(`downloading the video failed: HTTP ${response.status}`, {
      transient: response.status >= 500 || response.status === 429,
    });
  }
  const expected = Number(response.headers.get("content-length") ?? NaN);
  let received = 0;
  const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>);
  body.on("data", (chunk: Buffer) => (received += chunk.length));
  try {
    await pipeline(body, createWriteStream(target));
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
