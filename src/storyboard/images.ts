// Resolve a shot's image reference: an https URL, or a local file read, hashed and measured against the model's limits.
import { createHash } from "node:crypto";
import { readFile, realpath, stat } from "node:fs/promises";
import path from "node:path";
import type { ModelSpec } from "../models/types.js";
import { isInside } from "../paths.js";
import { isMissing } from "../util/fs.js";
import { sniffImage } from "./image-info.js";
import type { ImageRef } from "./types.js";

export interface ImageContext {
  dir: string;
  realDir: string;
  allowOutside: boolean;
  model: ModelSpec;
  memo: Map<string, Promise<ImageRef | string>>;
}

// The resolved image, or a message saying what is wrong with it.
export async function resolveImage(source: string, ctx: ImageContext): Promise<ImageRef | string> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(source)?.[1];
  if (scheme && scheme.length > 1) {
    if (scheme.toLowerCase() !== "https")
      return `must be a local file or an https URL (got a URL with scheme ${scheme.toLowerCase()}:)`;
    try {
      return { kind: "url", source, url: new URL(source).href };
    } catch (err) {
      if (!(err instanceof TypeError)) throw err;
      return `is not a valid URL (got "${source}")`;
    }
  }
  const abs = path.resolve(ctx.dir, source);
  // Models differ in what they accept, so a file is checked once per model.
  const id = `${abs}\0${ctx.model.file}#${ctx.model.mode}`;
  let memo = ctx.memo.get(id);
  if (!memo) {
    memo = readLocal(source, abs, ctx);
    ctx.memo.set(id, memo);
  }
  return memo;
}

async function readLocal(source: string, abs: string, ctx: ImageContext): Promise<ImageRef | string> {
  let real: string;
  try {
    real = await realpath(abs);
  } catch (err) {
    if (!isMissing(err)) throw err;
    return `file not found: ${source} (image paths are relative to the storyboard's folder)`;
  }
  if (!ctx.allowOutside && !isInside(ctx.realDir, real)) {
    return `${source} is outside the storyboard's folder; move the image inside it, or pass --allow-outside-images`;
  }
  const info = await stat(real);
  if (!info.isFile()) return `is not a file: ${source}`;
  const limits = ctx.model.image ?? NO_LIMITS;
  if (info.size > limits.max_bytes)
    return `is ${mb(info.size)}; ${ctx.model.name} accepts at most ${mb(limits.max_bytes)}`;
  const bytes = await readFile(real);
  const sniffed = sniffImage(bytes);
  if (!sniffed) return `is not a PNG, JPEG or WebP image (its first bytes say otherwise): ${source}`;
  if (!limits.formats.includes(sniffed.format))
    return `is ${sniffed.format}; ${ctx.model.name} accepts ${limits.formats.join(", ")}`;
  const { width, height } = sniffed;
  if (Math.min(width, height) < limits.min_side) {
    return `is ${width}x${height}; ${ctx.model.name} needs at least ${limits.min_side} px on each side`;
  }
  const aspect = width / height;
  if (aspect < limits.min_aspect || aspect > limits.max_aspect) {
    return `has aspect ratio ${aspect.toFixed(2)} (${width}x${height}); ${ctx.model.name} accepts ${limits.min_aspect} to ${limits.max_aspect}`;
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  return { kind: "file", source, path: real, sha256, bytes: info.size, ...sniffed };
}

const NO_LIMITS: NonNullable<ModelSpec["image"]> = {
  formats: ["png", "jpeg", "webp"],
  min_side: 1,
  min_aspect: 0,
  max_aspect: Number.POSITIVE_INFINITY,
  max_bytes: Number.MAX_SAFE_INTEGER,
};

function mb(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
