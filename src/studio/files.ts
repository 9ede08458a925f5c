// Files the page may load: only under the project's folder or the cache (after every symlink is resolved), only
// of the media and subtitle types the page shows, with byte ranges for seeking. Anything else is "not found".
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { isInside } from "../paths.js";

const TYPES: Record<string, string> = {
  ".mp4": "video/mp4",
  ".mov": "video/quicktime",
  ".webm": "video/webm",
  ".m4a": "audio/mp4",
  ".mp3": "audio/mpeg",
  ".wav": "audio/wav",
  ".aac": "audio/aac",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".webp": "image/webp",
  ".gif": "image/gif",
  ".vtt": "text/vtt; charset=utf-8",
  ".srt": "text/plain; charset=utf-8",
};

// The file a URL's path names below `root` (its segments still percent-encoded), or undefined: an empty, `.` or
// `..` segment, a slash, backslash or NUL inside one, a type not served, or a real path outside the root.
export async function servedFile(root: string, encoded: string): Promise<string | undefined> {
  let segments: string[];
  try {
    segments = encoded.split("/").map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
  const unsafe = (s: string) =>
    s === "" || s === "." || s === ".." || /[/\\\0]/.test(s) || /^[a-z]:/i.test(s);
  if (segments.length === 0 || segments.some(unsafe)) return undefined;
  if (!TYPES[path.extname(segments.at(-1)!).toLowerCase()]) return undefined;
  try {
    const base = await realpath(root);
    const real = await realpath(path.join(base, ...segments));
    if (!isInside(base, real) || real === base) return undefined;
    return (await stat(real)).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}

// The file, or the one byte range asked for (206), as a video element's seeking asks.
export async function sendFile(req: IncomingMessage, res: ServerResponse, file: string): Promise<void> {
  const size = (await stat(file)).size;
  const headers = {
    "Content-Type": TYPES[path.extname(file).toLowerCase()]!,
    "Accept-Ranges": "bytes",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
  };
  const range = byteRange(req.headers.range, size);
  if (range === "unsatisfiable") {
    res.writeHead(416, { ...headers, "Content-Range": `bytes */${size}` });
    res.end();
    return;
  }
  const [start, end] = range ?? [0, size - 1];
  res.writeHead(range ? 206 : 200, {
    ...headers,
    "Content-Length": String(Math.max(0, end - start + 1)),
    ...(range && { "Content-Range": `bytes ${start}-${end}/${size}` }),
  });
  if (req.method === "HEAD" || size === 0) {
    res.end();
    return;
  }
  const stream = createReadStream(file, { start, end });
  stream.on("error", () => res.destroy());
  stream.pipe(res);
}

// One range (`bytes=0-99`, `bytes=100-`, `bytes=-50`); several ranges or a malformed header mean the whole file.
export function byteRange(
  header: string | undefined,
  size: number,
): [number, number] | "unsatisfiable" | undefined {
  const m = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  let start: number;
  let end: number;
  if (m[1] === "") {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return "unsatisfiable";
  return [start, end];
}
