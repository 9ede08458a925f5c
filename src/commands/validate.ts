// `storyreel validate <file...>`: every problem with its position, or a one-line summary per storyboard.
import { parseCommand, requireFiles } from "../cli/args.js";
import type { CliContext } from "../cli/context.js";
import { shotCost, roundCents } from "../models/input.js";
import { dollars } from "../plan/format.js";
import { prepareStoryboards } from "./prepare.js";

export const VALIDATE_USAGE = `Usage: storyreel validate <storyboard.yaml...> [--allow-outside-images]

Checks each storyboard against the schema and the model's limits (images, prompt, durations,
transitions, trims) without touching the network. Prints every problem as file:line:col.`;

export async function validateCommand(argv: string[], ctx: CliContext): Promise<void> {
  const { values, positionals } = parseCommand(
    "validate",
    argv,
    { "allow-outside-images": { type: "boolean" } },
    VALIDATE_USAGE,
  );
  if (values.help) return ctx.stdout(VALIDATE_USAGE);
  const files = requireFiles("validate", positionals, VALIDATE_USAGE);
  const boards = await prepareStoryboards(files, ctx.cwd, values["allow-outside-images"] === true);
  for (const b of boards) {
    const seconds = b.shots.reduce((t, s) => t + s.duration, 0);
    const cost = roundCents(b.shots.reduce((t, s) => t + shotCost(b.model, s), 0));
    ctx.stdout(
      `${b.file}: valid: ${b.shots.length} shots, ${seconds} s of clips, at most ${dollars(cost)} on ${b.model.name}`,
    );
  }
}
