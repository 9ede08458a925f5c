// `storyreel export <file> --format otio|mlt [--out PATH] [--collect DIR]`: the film's edit as a timeline.
import path from "node:path";
import { resolveCacheDir } from "../cache/layout.js";
import { UsageError } from "../errors.js";
import { findMediaTools } from "../media/binaries.js";
import { exportFilm } from "../export/export-film.js";
import { planStoryboards } from "../pipeline/index.js";
import { shownPath } from "../paths.js";
import { count } from "../util/words.js";
import { modelsDirOf, parseCommand, providerOption, requireFiles } from "./args.js";
import type { CliContext } from "./context.js";

export const EXPORT_USAGE = `Usage: storyreel export <storyboard.yaml> --format otio|mlt [--out PATH] [--collect DIR]
                        [--provider fal|preview] [--cache-dir DIR] [--allow-outside-images]

Writes the film's edit as a timeline an editor opens, every clip, trim and transition in place, with the
music and voice-overs on their own tracks: OpenTimelineIO (.otio: DaVinci Resolve 18.5+, Premiere 25.6+,
Kdenlive 25.04+) or MLT (.mlt: Shotcut, and melt). It reads the cache only: render the film first.
By default the timeline goes beside the film (out/<name>.otio) and points at the cached clips;
--collect DIR copies the clips (<nn>-<shot id>.mp4) and sounds into DIR with the timeline, so the folder
can be moved to another machine.`;

export async function exportCommand(argv: string[], ctx: CliContext): Promise<void> {
  const { values, positionals } = parseCommand(
    "export",
    argv,
    {
      format: { type: "string" },
      out: { type: "string" },
      collect: { type: "string" },
      provider: { type: "string" },
      "cache-dir": { type: "string" },
      "allow-outside-images": { type: "boolean" },
    },
    EXPORT_USAGE,
  );
  if (values.help) return ctx.stdout(EXPORT_USAGE);
  const files = requireFiles("export", positionals, EXPORT_USAGE);
  if (files.length !== 1)
    throw new UsageError(`export takes one storyboard (got ${files.length})\n\n${EXPORT_USAGE}`);
  const format = values.format as string | undefined;
  if (format !== "otio" && format !== "mlt")
    throw new UsageError(
      `--format must be otio or mlt${format ? ` (got "${format}")` : ""}\n\n${EXPORT_USAGE}`,
    );
  const cacheDir = resolveCacheDir(values["cache-dir"] as string | undefined, ctx.env, ctx.cwd);
  const plan = (provider: "fal" | "preview") =>
    planStoryboards({
      files,
      cwd: ctx.cwd,
      provider,
      cacheDir,
      allowOutsideImages: values["allow-outside-images"] === true,
      ...modelsDirOf(ctx),
    });
  const given = values.provider as string | undefined;
  let { films } = await plan(providerOption(given, "fal"));
  // Without --provider: the film fal made, else the preview the cache holds (as `npm run demo` makes).
  const cached = (f: typeof films) =>
    f[0]!.plan.shots.every((s) => s.status === "cached" || s.status === "duplicate");
  if (given === undefined && !cached(films)) {
    const preview = await plan("preview");
    if (cached(preview.films)) films = preview.films;
  }
  const at = (p: string | undefined) => p && path.resolve(ctx.cwd, p);
  const out = at(values.out as string | undefined);
  const collect = at(values.collect as string | undefined);
  const made = await exportFilm(films[0]!, cacheDir, findMediaTools(ctx.env), {
    format,
    ...(out && { out }),
    ...(collect && { collect }),
  });
  const shown = (p: string) => shownPath(ctx.cwd, p);
  ctx.stdout(
    `${shown(made.file)}: ${count(made.clips, "clip")}, ${(made.frames / made.fps).toFixed(1)} s at ${made.fps} fps${made.collected ? `; clips collected in ${shown(made.collected)}` : ""}`,
  );
}
