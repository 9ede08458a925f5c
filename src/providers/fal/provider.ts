// The fal provider: clips, stills, sounds and passes, each one paid request (request.ts) that never submits a
// key twice.
import type { StepProvider } from "../types.js";
import { type ClipOptions, falClip } from "./clip.js";
import { falPass } from "./pass.js";
import { falSound } from "./sound.js";
import { falStill } from "./still.js";

export type FalProviderOptions = ClipOptions;

export function falProvider(o: FalProviderOptions): StepProvider {
  return {
    id: "fal",
    generate: (job, ctx) => falClip(job, ctx, o),
    still: (job, ctx) => falStill(job, ctx, o),
    sound: (job, ctx) => falSound(job, ctx, o),
    pass: (job, ctx) => falPass(job, ctx, o),
    waits: () => o.statusStream?.waits,
    prefetch: (images) => {
      for (const image of images) if (image.kind === "file") o.uploads.urlFor(image).catch(() => undefined);
    },
  };
}
