// A clip provider for tests whose subject is the film, the report or the CLI, not the preview animatic:
// it answers for "preview" keys with tiny 160x90 test clips of the shot's length (made once, kept in tmpdir),
// so stitching is cheap. The real preview provider has its own tests.
import { copyFile, mkdir } from "node:fs/promises";
import { probeMedia } from "../src/media/probe.js";
import { storeClip } from "../src/providers/store-clip.js";
import { previewStill } from "../src/providers/preview-still.js";
import { previewSound } from "../src/providers/preview-sound.js";
import { previewProvider } from "../src/providers/preview.js";
import type { StepProvider } from "../src/providers/types.js";
import { makeClip } from "./clips.js";

// The environment under which the real preview provider makes 160-pixel clips (about 3x faster to encode than
// its 640): for tests of the CLI or the film whose assertions do not depend on the clips' size.
export const TINY_PREVIEWS = { STORYREEL_PREVIEW_SIZE: "160" };

export const tinyProvider: StepProvider = {
  id: "preview",
  still: previewStill,
  sound: previewSound,
  pass: (job, ctx) => previewProvider.pass(job, ctx),
  async generate(job, ctx) {
    const release = await ctx.slots.acquire();
    try {
      ctx.update({ state: "in_progress", detail: "tiny test clip" });
      const hue = Number.parseInt(job.key.slice(0, 2), 16);
      const source = makeClip({ seconds: job.shot.duration, audio: job.shot.audio, hue });
      await mkdir(ctx.paths.tmp, { recursive: true });
      const tmp = ctx.paths.temp("clip", job.key);
      await copyFile(source, tmp);
      const info = await probeMedia(ctx.tools.ffprobe, tmp);
      return await storeClip(job, ctx, tmp, info, {
        provider: "preview",
        input: {},
        cost: 0,
        timings: { total_ms: 0 },
      });
    } finally {
      release();
    }
  },
};
