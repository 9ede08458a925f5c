// An image as written (a path or URL, { still }, { from, frame }) resolved to what the graph knows of it.
import { resolveImage, type ImageContext } from "./images.js";
import type { Report } from "./report-problem.js";
import { isObject } from "./report-problem.js";
import type { ImageRef, ShotDoc } from "./types.js";

// A path or URL is resolved now; a still or a frame is a step of the graph, checked once all shots are known.
export async function imageField(
  value: ShotDoc["image"] | undefined,
  ctx: ImageContext,
  at: (string | number)[],
  report: Report,
): Promise<ImageRef | undefined> {
  if (typeof value === "string") return imageOrReport(value, ctx, at, report);
  if (!isObject(value)) return undefined;
  const { still, from, frame } = value;
  if (typeof still === "string" && typeof from === "string") {
    report(
      at,
      "names both a still and a shot to take a frame from; use one: { still: NAME } or { from: SHOT, frame: last }",
    );
    return undefined;
  }
  if (typeof still === "string") {
    if (frame !== undefined)
      report([...at, "frame"], "a still has no frames; `frame` goes with `from: SHOT`");
    return { kind: "still", source: `still ${still}`, still };
  }
  if (typeof from === "string") {
    const at_ = frame ?? "last";
    if (typeof at_ === "string" && at_ !== "last" && at_ !== "first") {
      report([...at, "frame"], `must be last, first or a time in seconds (got ${JSON.stringify(at_)})`);
      return undefined;
    }
    if (typeof at_ === "number" && !(at_ >= 0)) {
      report([...at, "frame"], `must be a time in seconds from 0 (got ${at_})`);
      return undefined;
    }
    return { kind: "frame", source: `${from}@${at_}`, from, frame: at_ };
  }
  report(at, "must say { still: NAME } or { from: SHOT, frame: last | first | SECONDS }");
  return undefined;
}

async function imageOrReport(source: string, ctx: ImageContext, at: (string | number)[], report: Report) {
  const result = await resolveImage(source, ctx);
  if (typeof result === "string") {
    report(at, result);
    return undefined;
  }
  return result;
}
