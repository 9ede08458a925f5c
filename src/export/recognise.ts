// Which files `export` may overwrite: timelines it wrote itself, and the media they name. PURE: the text of
// a file in, an answer out.
type ExportFormat = "otio" | "mlt";

// The opening of each format as toOtio (through JSON.stringify with two spaces) and toMlt write it.
const OTIO_HEAD =
  /^\{\n {2}"OTIO_SCHEMA": "Timeline\.1",\n {2}"name": "(?:[^"\\\n]|\\.)*",\n {2}"metadata": \{\n {4}"storyreel": \{/;
const MLT_HEAD =
  /^<\?xml version="1\.0" encoding="utf-8"\?>\n<mlt LC_NUMERIC="C" title="[^"]*" producer="main">\n {2}<profile description="storyreel \d+x\d+ /;

// The first bytes of a file are enough: both formats say who wrote them at the top.
export const HEAD_BYTES = 16 * 1024;

// The format of a timeline storyreel wrote, judged by its first HEAD_BYTES; undefined for anything else.
export function storyreelTimeline(head: string): ExportFormat | undefined {
  if (OTIO_HEAD.test(head)) return "otio";
  if (MLT_HEAD.test(head)) return "mlt";
  return undefined;
}

// The media a timeline storyreel wrote refers to, as written (relative names in a collected folder).
export function timelineMedia(text: string, format: ExportFormat): string[] {
  if (format === "otio")
    return [...text.matchAll(/"target_url": "((?:[^"\\]|\\.)*)"/g)].map((m) =>
      (JSON.parse(`"${m[1]}"`) as string).split("/").map(decodeURIComponent).join("/"),
    );
  return [...text.matchAll(/<property name="resource">([^<]*)<\/property>/g)].map((m) =>
    m[1]!
      .replace(/&quot;/g, '"')
      .replace(/&gt;/g, ">")
      .replace(/&lt;/g, "<")
      .replace(/&amp;/g, "&"),
  );
}
