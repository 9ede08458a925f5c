// The preview provider's stills: a card with the still's name and prompt, over its first reference (dimmed)
// when it is an edit, at the still's aspect. Free and offline, so a whole graph renders in seconds.
import { mkdir, writeFile } from "node:fs/promises";
import { FFMPEG_PREAMBLE, runTool } from "../media/run.js";
import { stillSize } from "../plan/still-input.js";
import { insert, type StillSidecar } from "../cache/artifacts/index.js";
import { removeIfExists } from "../util/fs.js";
import { filterPath, findFont, wrapText } from "./slate.js";
import type { ProviderContext, StillJob } from "./types.js";
import { takeSlot } from "./slot.js";
import { NotStartedError } from "../errors.js";

const LONG_SIDE = 960;

export async function previewStill(job: StillJob, ctx: ProviderContext): Promise<StillSidecar> {
  const [sw, sh] = stillSize(job.still);
  const scale = LONG_SIDE / Math.max(sw, sh);
  const even = (n: number) => Math.max(2, Math.round((n * scale) / 2) * 2);
  const [w, h] = [even(sw), even(sh)];
  const tmp = `${ctx.paths.temp("still", job.key)}.png`;
  const titleFile = `${tmp}.title.txt`;
  const textFile = `${tmp}.text.txt`;
  await mkdir(ctx.paths.tmp, { recursive: true });
  const release = await takeSlot(ctx);
  try {
    if (ctx.stopSubmitting.aborted) throw new NotStartedError();
    ctx.update({ state: "in_progress", detail: "drawing a preview card" });
    const refs = job.references.map((r) => r.source);
    await writeFile(titleFile, job.still.name);
    await writeFile(
      textFile,
      wrapText(`${refs.length ? `edit of ${refs.join(", ")}: ` : ""}${job.still.prompt}`, 44, 6),
    );
    const font = findFont();
    const background = job.references.find((r) => r.kind === "file");
    const size = Math.round(h / 16);
    const text = (file: string, px: number, y: string) =>
      font
        ? `,drawtext=fontfile='${filterPath(font)}':textfile='${filterPath(file)}':fontcolor=white:fontsize=${px}:x=(w-text_w)/2:y=${y}`
        : "";
    const input =
      background?.kind === "file"
        ? ["-i", background.path]
        : ["-f", "lavfi", "-i", `color=c=0x2a3540:s=${w}x${h}:d=1`];
    const fit = `scale=${w}:${h}:force_original_aspect_ratio=increase,crop=${w}:${h},setsar=1`;
    // The reference shows through, blurred and dimmed, so the card stays readable over it.
    const dim = background ? ",boxblur=12:2,eq=brightness=-0.35" : "";
    await runTool(
      ctx.tools.ffmpeg,
      [
        ...FFMPEG_PREAMBLE,
        ...input,
        "-vf",
        `${fit}${dim}${text(titleFile, size * 2, "h/3-text_h")}${text(textFile, size, `h/3+${size}`)}`,
        "-frames:v",
        "1",
        "-f",
        "image2",
        tmp,
      ],
      { signal: ctx.stopSubmitting },
    );
    return await insert(ctx.paths, "still", job.key, tmp, {
      still: job.still.name,
      provider: "preview",
      endpoint: job.still.model.endpoint,
      input: {},
      created_at: new Date(ctx.clock.now()).toISOString(),
      format: "png",
      width: w,
      height: h,
      cost: 0,
      key_material: job.keyMaterial,
    });
  } finally {
    release();
    for (const f of [tmp, titleFile, textFile]) await removeIfExists(f);
  }
}
