// Load stage: read a storyboard file and parse its YAML, keeping positions for every later error.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { LineCounter, parseDocument, type Document } from "yaml";
import { StoryboardError } from "../errors.js";

export interface LoadedStoryboard {
  file: string;
  path: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  data: unknown;
}

// Read a storyboard from disk; `file` is kept as the user wrote it, for error messages.
export async function loadStoryboard(file: string, cwd = process.cwd()): Promise<LoadedStoryboard> {
  const abs = path.resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(abs, "utf8");
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
  return parseStoryboard(text, file, abs);
}

// Parse storyboard text (no I/O); YAML syntax errors all come back at once with their positions.
export function parseStoryboard(text: string, file: string, abs = file): LoadedStoryboard {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new StoryboardError(
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return {
          file,
          line: pos.line,
          col: pos.col,
          path: "",
          message: `invalid YAML: ${firstLine(e.message)}`,
        };
      }),
    );
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  return { file, path: abs, text, doc, lineCounter, data };
}

function firstLine(message: string): string {
  return (message.split("\n")[0] ?? message).replace(/ at line \d+, column \d+:?$/, "");
}
