// `storyreel doctor`: which ffmpeg/ffprobe are used and what they can do, whether FAL_KEY is set, and the cache.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { parseCommand } from "./args.js";
import type { CliContext } from "./context.js";
import { resolveCacheDir } from "../cache/layout.js";
import { canWrite } from "../cache/writable.js";
import { findMediaTools } from "../media/binaries.js";
import { detectCapabilities } from "../media/capabilities.js";
import { runTool } from "../media/run.js";
import { ifMissing, listIfExists, statIfExists } from "../util/fs.js";
import { count } from "../util/words.js";

export const DOCTOR_USAGE = `Usage: storyreel doctor [--cache-dir DIR]

Prints the ffmpeg and ffprobe in use (and where they came from), their versions and capabilities,
whether FAL_KEY is set (never its value), and the cache folder with its size.`;

export async function doctorCommand(argv: string[], ctx: CliContext): Promise<void> {
  const { values } = parseCommand("doctor", argv, { "cache-dir": { type: "string" } }, DOCTOR_USAGE);
  if (values.help) return ctx.stdout(DOCTOR_USAGE);
  const tools = findMediaTools(ctx.env);
  const caps = await detectCapabilities(tools.ffmpeg);
  const probeVersion =
    /ffprobe version (\S+)/.exec(await runTool(tools.ffprobe, ["-hide_banner", "-version"]))?.[1] ??
    "unknown";
  const cacheDir = resolveCacheDir(values["cache-dir"] as string | undefined, ctx.env, ctx.cwd);
  const cache = await folderSize(cacheDir);
  const clips = (await listIfExists(path.join(cacheDir, "clips"))).filter((f) => f.endsWith(".mp4")).length;
  const fal = ctx.env.FAL_KEY?.trim()
    ? "set"
    : "not set (needed for --provider fal; --provider preview works without it)";
  ctx.stdout(
    [
      `node      ${process.version}`,
      `ffmpeg    ${tools.ffmpeg} (${tools.source.ffmpeg}), version ${caps.version}`,
      `ffprobe   ${tools.ffprobe} (${tools.source.ffprobe}), version ${probeVersion}`,
      `filters   xfade: ${caps.xfade ? "yes" : "no (crossfades use blend instead)"}, loudnorm: ${caps.loudnorm ? "yes" : "no (render.loudness unavailable)"}`,
      `FAL_KEY   ${fal}`,
      `fal proxy ${ctx.env.FAL_PROXY_URL || "none"}`,
      `cache     ${cacheDir}: ${count(clips, "clip")}, ${(cache / 1e6).toFixed(1)} MB, ${await canWrite(cacheDir)}`,
      `output    ${path.resolve(ctx.cwd, "out")}: ${await canWrite(path.resolve(ctx.cwd, "out"))}`,
    ].join("\n"),
  );
}

async function folderSize(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(ifMissing([]));
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    // A file removed while we count (a render finishing) simply no longer counts.
    const info = await statIfExists(
      // Node before 20.12 names the folder `path`.
      path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name),
    );
    total += info?.size ?? 0;
  }
  return total;
}
