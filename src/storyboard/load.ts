// Load stage: read a storyboard file and parse its YAML, keeping positions for every later error.
import { open } from "node:fs/promises";
import path from "node:path";
import { isAlias, LineCounter, parseDocument, visit, type Document } from "yaml";
import { StoryboardError } from "../errors.js";
import { decodeStoryboard, MAX_STORYBOARD_BYTES } from "./decode.js";
import { MAX_ALIASES, mergeKeys, tooDeep } from "./yaml-limits.js";

export interface LoadedStoryboard {
  file: string;
  path: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  data: unknown;
}

// Parsed storyboards by their text's sha256, so an unchanged storyboard is not parsed again: its YAML parse
// with positions is most of an up-to-date render's start. Positions are parsed again only if asked for.
export interface ParseCache {
  get(text: string): Promise<unknown | undefined>;
  put(text: string, data: unknown): Promise<void>;
}

// Read a storyboard from disk; `file` is kept as the user wrote it, for error messages.
export async function loadStoryboard(
  file: string,
  cwd = process.cwd(),
  cache?: ParseCache,
): Promise<LoadedStoryboard> {
  const abs = path.resolve(cwd, file);
  let bytes: Buffer;
  try {
    bytes = await readAtMost(abs, MAX_STORYBOARD_BYTES + 1);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "file not found"
        : code === "EISDIR"
          ? "is a directory, not a storyboard file"
          : String((err as Error).message);
    throw new StoryboardError([{ file, path: "", message: why }]);
  }
  if (bytes.length > MAX_STORYBOARD_BYTES) {
    const lines = bytes.subarray(0, MAX_STORYBOARD_BYTES).toString("latin1").split("\n");
    const message = `the file is larger than ${MAX_STORYBOARD_BYTES / 1024 / 1024} MB, the most a storyboard may be`;
    throw new StoryboardError([
      { file, line: lines.length, col: lines.at(-1)!.length + 1, path: "", message },
    ]);
  }
  const decoded = decodeStoryboard(bytes);
  if ("problem" in decoded) throw new StoryboardError([{ file, path: "", ...decoded.problem }]);
  const text = decoded.text;
  const cached = await cache?.get(text);
  if (cached !== undefined) return lazilyParsed(text, file, abs, cached);
  const loaded = parseStoryboard(text, file, abs);
  await cache?.put(text, loaded.data);
  return loaded;
}

// The data from the parse cache; the document (for error positions) is parsed when first asked for.
function lazilyParsed(text: string, file: string, abs: string, data: unknown): LoadedStoryboard {
  let parsed: { doc: Document.Parsed; lineCounter: LineCounter } | undefined;
  const get = () => {
    if (!parsed) {
      const lineCounter = new LineCounter();
      parsed = {
        doc: parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true }),
        lineCounter,
      };
    }
    return parsed;
  };
  return {
    file,
    path: abs,
    text,
    data,
    get doc() {
      return get().doc;
    },
    get lineCounter() {
      return get().lineCounter;
    },
  };
}

// The yaml library's own words for this advise an API call; the user needs to know what to change in the file.
const SECOND_DOCUMENT =
  "a second YAML document starts here, but a storyboard is one YAML document: remove this `---` and what follows it, or move that to a file of its own";

// Parse storyboard text (no I/O); YAML syntax errors all come back at once with their positions.
export function parseStoryboard(text: string, file: string, abs = file): LoadedStoryboard {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  // Depth first: a hostile file's own YAML errors (often one per level) would bury the real problem.
  const deep = tooDeep(doc, lineCounter);
  if (deep) throw new StoryboardError([{ file, path: "", ...deep }]);
  if (doc.errors.length > 0) {
    throw new StoryboardError(
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return {
          file,
          line: pos.line,
          col: pos.col,
          path: "",
          message: e.code === "MULTIPLE_DOCS" ? SECOND_DOCUMENT : `invalid YAML: ${firstLine(e.message)}`,
        };
      }),
    );
  }
  const merges = mergeKeys(doc, lineCounter);
  if (merges.length > 0) throw new StoryboardError(merges.map((m) => ({ file, path: "", ...m })));
  return { file, path: abs, text, doc, lineCounter, data: toData(doc, lineCounter, file) };
}

// The yaml library refuses to expand aliases past the cap; the error names the first alias, where the expansion starts.
function toData(doc: Document.Parsed, lineCounter: LineCounter, file: string): unknown {
  const aliasProblem = (message: string) => {
    let at = 0;
    visit(doc, {
      Alias(_, node) {
        if (isAlias(node) && node.range) at = node.range[0];
        return visit.BREAK;
      },
    });
    const pos = lineCounter.linePos(at);
    return new StoryboardError([{ file, line: pos.line, col: pos.col, path: "", message }]);
  };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    if (!(err instanceof ReferenceError) || !/alias/i.test(err.message)) throw err;
    throw aliasProblem(
      `invalid YAML: its aliases expand to more than ${MAX_ALIASES} copies (a resource exhaustion attack?); write the values out instead`,
    );
  }
  // An alias inside the value it names (`shots: &a [*a]`) makes data that contains itself.
  try {
    JSON.stringify(data);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    throw aliasProblem("invalid YAML: an alias refers to the value it is part of, so the value never ends");
  }
  return data;
}

// Never reads more than `limit` bytes, whatever the file's size.
async function readAtMost(file: string, limit: number): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(limit);
    let filled = 0;
    while (filled < limit) {
      const { bytesRead } = await handle.read(buffer, filled, limit - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

function firstLine(message: string): string {
  return (message.split("\n")[0] ?? message).replace(/ at line \d+, column \d+:?$/, "");
}
