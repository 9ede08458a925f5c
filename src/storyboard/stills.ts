// Semantic checks on `stills:`: names, prompts, sizes Kling can take, models of the right kind, and references.
import { DEFAULT_IMAGE_MODELS, imageModelRegistry, imageModelsOfKind } from "../models/image-registry.js";
import type { ImageModelSpec } from "../models/image-types.js";
import { closest, shown } from "../util/suggest.js";
import { resolveImage, type ImageContext } from "./images.js";
import { stillTooLarge } from "./sizes.js";
import { isObject, type Report } from "./report-problem.js";
import type { ImageRef, Still, StillDoc, StoryboardDoc } from "./types.js";

const NAME = /^[a-z0-9][a-z0-9_-]*$/;

export async function checkStills(
  doc: Partial<StoryboardDoc>,
  ctx: ImageContext,
  report: Report,
): Promise<Still[]> {
  if (!isObject(doc.stills)) return [];
  const names = Object.keys(doc.stills);
  const stills: Still[] = [];
  for (const [name, raw] of Object.entries(doc.stills)) {
    if (!isObject(raw)) continue;
    const s = raw as Partial<StillDoc>;
    const at = (...rest: string[]) => ["stills", name, ...rest];
    if (!NAME.test(name))
      report(["stills"], "a still's name uses lower-case letters, digits, '-' and '_'", name);
    if (typeof s.prompt === "string" && s.prompt.trim() === "")
      report(at("prompt"), "must not be empty: describe the still");
    const kind = Array.isArray(s.edit) ? "image-edit" : "text-to-image";
    const model = checkModel(s.model, kind, at("model"), report);
    const size = typeof s.size === "string" ? checkSize(s.size, ctx, at("size"), report) : undefined;
    const references: ImageRef[] = [];
    if (Array.isArray(s.edit)) {
      if (s.edit.length === 0)
        report(at("edit"), "an edit needs at least one reference: a still's name or an image file");
      if (model?.max_references && s.edit.length > model.max_references)
        report(
          at("edit"),
          `${model.name} takes at most ${model.max_references} references (got ${s.edit.length})`,
        );
      for (const [i, ref] of s.edit.entries()) {
        if (typeof ref !== "string") continue;
        const resolved = await reference(ref, names, ctx);
        if (typeof resolved === "string") report([...at("edit"), i], resolved);
        else references.push(resolved);
      }
    }
    if (model && typeof s.prompt === "string" && [...s.prompt].length > model.prompt_max_chars)
      report(
        at("prompt"),
        `is ${[...s.prompt].length} characters; ${model.name} accepts at most ${model.prompt_max_chars}`,
      );
    if (model && typeof s.prompt === "string")
      stills.push({
        name,
        prompt: s.prompt,
        ...(size && { size }),
        model,
        references,
        takes: typeof s.takes === "number" ? s.takes : 1,
      });
  }
  return stills;
}

// A reference is another still by name, or an image file (or URL) as a shot's image would be.
async function reference(ref: string, names: string[], ctx: ImageContext): Promise<ImageRef | string> {
  if (names.includes(ref)) return { kind: "still", source: `still ${ref}`, still: ref };
  if (NAME.test(ref) && !ref.includes(".")) {
    const hint = closest(ref, names);
    return `unknown still ${shown(ref)}${hint ? ` (did you mean "${hint}"?)` : ""}; stills: ${names.join(", ")}`;
  }
  return resolveImage(ref, ctx);
}

function checkModel(
  value: unknown,
  kind: ImageModelSpec["kind"],
  at: (string | number)[],
  report: Report,
): ImageModelSpec | undefined {
  const endpoint = typeof value === "string" ? value : DEFAULT_IMAGE_MODELS[kind];
  const model = imageModelRegistry().get(endpoint);
  if (model?.kind === kind) return model;
  const known = imageModelsOfKind(kind);
  const what = kind === "image-edit" ? "image-edit" : "text-to-image";
  const hint = closest(endpoint, known);
  report(
    at,
    model
      ? `${model.name} is ${model.kind === "image-edit" ? "an image-edit" : "a text-to-image"} model; this still needs ${what === "image-edit" ? "an" : "a"} ${what} model: ${known.join(", ")}`
      : `unknown ${what} model ${shown(endpoint)}; known: ${known.join(", ")}${hint ? ` (did you mean "${hint}"?)` : ""}`,
  );
  return undefined;
}

// A still feeds the video model, so its size must meet that model's image limits (Kling: 300 px, 0.4 to 2.5).
function checkSize(
  size: string,
  ctx: ImageContext,
  at: (string | number)[],
  report: Report,
): [number, number] | undefined {
  const [width, height] = size.split("x").map(Number) as [number, number];
  const limits = ctx.model.image;
  const tooLarge = stillTooLarge(width, height);
  if (tooLarge) {
    report(at, tooLarge);
    return undefined;
  }
  if (!limits) return [width, height];
  if (Math.min(width, height) < limits.min_side) {
    report(
      at,
      `is ${size}; ${ctx.model.name} needs at least ${limits.min_side} px on each side of its start image`,
    );
    return undefined;
  }
  const aspect = width / height;
  if (aspect < limits.min_aspect || aspect > limits.max_aspect) {
    report(
      at,
      `has aspect ratio ${aspect.toFixed(2)} (${size}); ${ctx.model.name} accepts start images from ${limits.min_aspect} to ${limits.max_aspect}`,
    );
    return undefined;
  }
  return [width, height];
}
