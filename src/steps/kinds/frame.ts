// A frame: the first, last or a numbered frame of a clip, taken locally with ffmpeg to start or end another
// shot. Free, so it is not paid for, not locked and taken again whenever its file is missing or unreadable.
import { mkdir, readFile, rename } from "node:fs/promises";
import path from "node:path";
import { tempSibling } from "../../cache/atomic.js";
import { writeFrame } from "../../media/frame.js";
import type { PlannedStep } from "../../plan/steps.js";
import { sniffImage } from "../../storyboard/image-info.js";
import { shotImages, type ImageRef, type Storyboard } from "../../storyboard/types.js";
import { sha256 } from "../../util/hash.js";
import { removeIfExists, statIfExists } from "../../util/fs.js";
import type { Made, StepKind, StepRun } from "../kind.js";
import { short, stepDone, stepFailed } from "./outcomes.js";

type FrameRef = Extract<ImageRef, { kind: "frame" }>;

export const frame: StepKind = {
  name: "frame",
  artifact: "frame",
  prefix: "frame",
  paid: false,
  label: (name) => `frame ${name}`,
  noun: "frame",
  run: takeFrame,
  cachedInput: (step, run) => takeFrame(step, new Map(), run),
};

async function takeFrame(step: PlannedStep, inputs: ReadonlyMap<string, Made>, run: StepRun): Promise<Made> {
  const image = frameRef(step, run.storyboard);
  const file = run.context.paths.frame(step.key);
  if (await statIfExists(file)) {
    const ref = await readFrame(step, file);
    if (ref) return stepDone(step, run, "cached", ref);
    // Not a readable image any more: taken again (it is free).
    await removeIfExists(file);
  }
  const clip = inputs.get(`shot:${image.from}`) ?? (await run.need(`shot:${image.from}`));
  if (!clip.ok) {
    const why = clip.why.startsWith("blocked by ")
      ? `blocked by ${image.from}, which is ${short(clip.why)}`
      : `blocked by ${image.from} (${short(clip.why)})`;
    return stepFailed(step, run, "failed", why, false, image.from);
  }
  const tmp = tempSibling(file);
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFrame(run.context.tools, clip.file!, keptFrame(image, run.storyboard), tmp);
    if (!(await statIfExists(tmp)))
      throw new Error(`no frame at ${image.frame} in the clip of ${image.from}`);
    await rename(tmp, file);
  } catch (err) {
    await removeIfExists(tmp);
    const why = `taking frame ${image.frame} of ${image.from}: ${(err as Error).message.split("\n")[0]}`;
    return stepFailed(step, run, "failed", why, true);
  }
  const ref = await readFrame(step, file);
  if (!ref)
    return stepFailed(step, run, "failed", `the frame taken from ${image.from} is not a readable image`);
  run.update(frame.label(step.name), step.key, [], {
    state: "done",
    detail: `frame ${image.frame} taken from ${image.from}`,
  });
  return stepDone(step, run, "extracted", ref);
}

// The storyboard's reference this step takes ("lamp@last": the last frame of shot lamp).
function frameRef(step: PlannedStep, board: Storyboard): FrameRef {
  for (const shot of board.shots)
    for (const image of shotImages(shot))
      if (image?.kind === "frame" && image.source === step.name) return image;
  throw new Error(`bug: no shot takes frame ${step.name}`);
}

async function readFrame(
  step: PlannedStep,
  file: string,
): Promise<Extract<ImageRef, { kind: "file" }> | undefined> {
  const bytes = await readFile(file);
  const info = sniffImage(bytes);
  if (!info) return undefined;
  return {
    kind: "file",
    source: step.name,
    path: file,
    sha256: sha256(bytes),
    bytes: bytes.length,
    format: info.format,
    width: info.width,
    height: info.height,
    identity: { frame: step.key },
  };
}

// first and last are of the part of the clip the film keeps: a trimmed clip's last frame is the one before
// its trim end (a frame at 24 fps, the clips' rate), its first the one at its trim start.
function keptFrame(image: FrameRef, board: Storyboard): "first" | "last" | number {
  const source = board.shots.find((s) => s.id === image.from);
  const trim = source?.trim;
  if (!trim || typeof image.frame === "number") return image.frame;
  if (image.frame === "first") return trim.start > 0 ? trim.start : "first";
  return trim.end < source.duration ? Math.max(0, trim.end - 1 / 24) : "last";
}
