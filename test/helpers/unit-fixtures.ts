// In-memory values for the unit tests: shots, storyboards and stitch clips that never touch the disk.
// Image paths point nowhere on purpose, so code that tried to read them would fail.
import path from "node:path";
import type { MediaInfo } from "../../src/media/probe.js";
import { modeSpec } from "../../src/models/modes.js";
import { DEFAULT_MODEL, findFamily, videoModels } from "../../src/models/registry.js";
import type { ModelSpec } from "../../src/models/types.js";
import type { StitchClip } from "../../src/stitch/profile.js";
import type { Shot, Storyboard } from "../../src/storyboard/types.js";

export const ROOT = path.resolve("/nonexistent/storyreel-unit");

export function kling(): ModelSpec {
  return modeSpec(findFamily(videoModels(), DEFAULT_MODEL)!, "image-to-video")!;
}

export function shot(index: number, over: Partial<Shot> = {}): Shot {
  return {
    id: `s${index + 1}`,
    index,
    model: kling(),
    image: {
      kind: "file",
      source: "images/a.png",
      path: path.join(ROOT, "images", "a.png"),
      sha256: "a".repeat(64),
      bytes: 100,
      format: "png",
      width: 1280,
      height: 720,
    },
    prompt: `shot number ${index + 1}`,
    duration: 5,
    audio: true,
    negativePrompt: "blur, distort, and low quality",
    transition: { type: "cut", duration: 0 },
    takes: 1,
    ...over,
  };
}

export function storyboard(shots: Shot[], over: Partial<Storyboard> = {}): Storyboard {
  return {
    file: "storyboard.yaml",
    path: path.join(ROOT, "storyboard.yaml"),
    dir: ROOT,
    name: "storyboard",
    output: "out/storyboard.mp4",
    stills: [],
    model: kling(),
    render: {},
    shots,
    ...over,
  };
}

export function media(over: Partial<MediaInfo> = {}): MediaInfo {
  return {
    duration: 5,
    video: { codec: "h264", width: 1280, height: 720, fps: 24, pixFmt: "yuv420p", sar: "1:1" },
    audio: { codec: "aac", sampleRate: 48000, channels: 2 },
    ...over,
  };
}

export function clip(i: number, over: Partial<StitchClip> = {}): StitchClip {
  return {
    shot: `s${i + 1}`,
    key: `${i}`.repeat(64).slice(0, 64),
    file: path.join(ROOT, "clips", `c${i}.mp4`),
    media: media(),
    transition: { type: "cut", duration: 0 },
    ...over,
  };
}
