// How a preview stand-in that could not be made ends: its half-written file removed; a Ctrl-C means it is made
// next run; anything else fails the step plainly (ffmpeg's reason), never as a bug.
import { NotStartedError, ProviderError } from "../errors.js";
import { removeIfExists } from "../util/fs.js";
import type { ProviderContext } from "./types.js";

export async function previewFailure(err: unknown, tmp: string, ctx: ProviderContext): Promise<never> {
  await removeIfExists(tmp);
  if (ctx.stopSubmitting.aborted)
    throw new NotStartedError("interrupted: the preview is made again next run");
  throw err instanceof ProviderError
    ? err
    : new ProviderError((err as Error).message, { transient: false, cause: err });
}
