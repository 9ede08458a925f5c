// A shot's references (reference-to-video): each a still by its bare name, or any form `image` takes, and
// named as the prompt's `@name` says it: the still's name, a file's base name, or the shot a frame is from.
import { existsSync } from "node:fs";
import path from "node:path";
import type { ModelSpec } from "../models/types.js";
import { closest } from "../util/suggest.js";
import { imageField } from "./image-field.js";
import type { ImageContext } from "./images.js";
import type { Report } from "./report-problem.js";
import type { ImageDoc, ImageRef, Reference } from "./types.js";

// Each reference: a still by its bare name, or any form `image` takes; named for the prompt's `@name`.
export async function referencesOf(
  list: unknown[],
  ctx: ImageContext & { model: ModelSpec; stillNames: readonly string[] },
  at: (string | number)[],
  report: Report,
): Promise<Reference[]> {
  const refs: Reference[] = [];
  for (const [i, entry] of list.entries()) {
    const value =
      typeof entry === "string" && ctx.stillNames.includes(entry) ? { still: entry } : (entry as ImageDoc);
    // A bare word that is neither a still nor a file is most likely a still's name, misspelt.
    if (
      typeof entry === "string" &&
      !ctx.stillNames.includes(entry) &&
      /^[a-z0-9][a-z0-9_-]*$/.test(entry) &&
      !existsSync(path.resolve(ctx.dir, entry))
    ) {
      const hint = closest(entry, ctx.stillNames);
      report(
        [...at, i],
        `no still or file named "${entry}"${hint ? ` (did you mean still "${hint}"?)` : ctx.stillNames.length ? `; stills: ${ctx.stillNames.join(", ")}` : ""}`,
      );
      continue;
    }
    const image = await imageField(value, ctx, [...at, i], report);
    if (!image) continue;
    const name = referenceName(image);
    if (refs.some((r) => r.name === name))
      report(
        [...at, i],
        `two references are named @${name}; rename one (a still's name, or a file's base name)`,
      );
    refs.push({ name, image, at: i });
  }
  return refs;
}

function referenceName(image: ImageRef): string {
  if (image.kind === "still") return image.still;
  // A frame is named by its shot (its last frame), or with where it is taken: lamp-first, lamp-2_5s.
  if (image.kind === "frame")
    return image.frame === "last"
      ? image.from
      : `${image.from}-${image.frame === "first" ? "first" : `${String(image.frame).replace(".", "_")}s`}`;
  const file = image.kind === "url" ? decodeURIComponent(new URL(image.url).pathname) : image.source;
  return path.posix.basename(file.replace(/\\/g, "/")).replace(/\.[^.]*$/, "");
}
