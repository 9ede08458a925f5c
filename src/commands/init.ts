// `storyreel init [dir]`: a storyboard that validates and renders at once, with two sample images.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseCommand } from "./args.js";
import type { CliContext } from "./context.js";
import { UsageError } from "../errors.js";
import { gradientPng } from "../init/png.js";
import { filmName, storyboardTemplate } from "../init/template.js";
import { SCHEMA_DIR } from "../paths.js";
import { statIfExists } from "../util/fs.js";

export const INIT_USAGE = `Usage: storyreel init [dir]

Creates <dir>/storyboard.yaml (default dir: the current one), commented field by field, and two
sample images in <dir>/images/. Never overwrites: it stops if a storyboard is already there.`;

export async function initCommand(argv: string[], ctx: CliContext): Promise<void> {
  const { values, positionals } = parseCommand("init", argv, {}, INIT_USAGE);
  if (values.help) return ctx.stdout(INIT_USAGE);
  if (positionals.length > 1)
    throw new UsageError(`storyreel init takes one folder (got ${positionals.length})\n\n${INIT_USAGE}`);
  const dir = path.resolve(ctx.cwd, positionals[0] ?? ".");
  const file = path.join(dir, "storyboard.yaml");
  if (await statIfExists(file))
    throw new UsageError(
      `${path.relative(ctx.cwd, file) || file} already exists; storyreel init never overwrites. Pick another folder.`,
    );
  const images = {
    "opening.png": gradientPng(640, 360, [255, 183, 77], [183, 28, 28]),
    "closing.png": gradientPng(640, 360, [13, 71, 161], [0, 150, 136]),
  };
  for (const name of Object.keys(images)) {
    if (await statIfExists(path.join(dir, "images", name)))
      throw new UsageError(
        `${path.join(dir, "images", name)} already exists; storyreel init never overwrites. Pick another folder.`,
      );
  }
  await mkdir(path.join(dir, "images"), { recursive: true });
  for (const [name, bytes] of Object.entries(images))
    await writeFile(path.join(dir, "images", name), bytes, { flag: "wx" });
  const shown = path.relative(ctx.cwd, dir) || ".";
  const schema = path
    .relative(dir, path.join(SCHEMA_DIR, "storyboard.schema.json"))
    .split(path.sep)
    .join("/");
  await writeFile(file, storyboardTemplate(schema, shown, filmName(dir)), { flag: "wx" });
  ctx.stdout(`Created ${path.join(shown, "storyboard.yaml")} and two sample images in ${path.join(shown, "images")}/.
Next:
  npx storyreel validate ${path.join(shown, "storyboard.yaml")}
  npx storyreel render ${path.join(shown, "storyboard.yaml")} --provider preview    # free, offline
  npx storyreel plan ${path.join(shown, "storyboard.yaml")}                         # what fal would cost`);
}
