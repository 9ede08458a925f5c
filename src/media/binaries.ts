// Find ffmpeg and ffprobe: FFMPEG_PATH/FFPROBE_PATH, then PATH, then the bundled npm binaries.
import { accessSync, constants } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { UsageError } from "../errors.js";

export interface MediaTools {
  ffmpeg: string;
  ffprobe: string;
  source: { ffmpeg: ToolSource; ffprobe: ToolSource };
  // The bundled, statically linked ffmpeg beside one found on PATH, for one-frame jobs on a chain's critical
  // path and for the film's sound (the bed, the mix, the AAC): it starts in about 1 ms, where Debian's (215
  // shared libraries) takes 50-90 ms of CPU. Never beside an FFMPEG_PATH, which names the one ffmpeg to run.
  quickFfmpeg?: string;
}
export type ToolSource = "env" | "path" | "bundled";

export function findMediaTools(env: NodeJS.ProcessEnv): MediaTools {
  const ffmpeg = find("ffmpeg", env.FFMPEG_PATH, env, "@ffmpeg-installer/ffmpeg");
  const ffprobe = find("ffprobe", env.FFPROBE_PATH, env, "@ffprobe-installer/ffprobe");
  const bundled = ffmpeg.source === "path" ? bundledPath("@ffmpeg-installer/ffmpeg") : undefined;
  return {
    ffmpeg: ffmpeg.file,
    ffprobe: ffprobe.file,
    source: { ffmpeg: ffmpeg.source, ffprobe: ffprobe.source },
    ...(bundled && isExecutable(bundled) && { quickFfmpeg: bundled }),
  };
}

function find(
  name: string,
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  bundle: string,
): { file: string; source: ToolSource } {
  if (explicit) {
    if (!isExecutable(explicit))
      throw new UsageError(
        `${name.toUpperCase()}_PATH points at ${explicit}, which is not an executable file`,
      );
    return { file: explicit, source: "env" };
  }
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, name);
    if (isExecutable(file)) return { file, source: "path" };
  }
  const bundled = bundledPath(bundle);
  if (bundled && isExecutable(bundled)) return { file: bundled, source: "bundled" };
  throw new UsageError(
    `${name} not found: install it (Debian: apt-get install ffmpeg), set ${name.toUpperCase()}_PATH, or run npm ci to get the bundled binaries`,
  );
}

function bundledPath(pkg: string): string | undefined {
  try {
    return (createRequire(import.meta.url)(pkg) as { path: string }).path;
  } catch (err) {
    // The optional bundled binaries were not installed.
    if ((err as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND") return undefined;
    throw err;
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EACCES" || code === "ENOTDIR") return false;
    throw err;
  }
}
