// Load and validate several storyboards, reporting every problem in every file before failing.
import { StoryboardError, UsageError, type Problem } from "../errors.js";
import { closest } from "../storyboard/suggest.js";
import { loadStoryboard } from "../storyboard/load.js";
import type { Storyboard } from "../storyboard/types.js";
import { validateStoryboard } from "../storyboard/validate.js";

export async function prepareStoryboards(
  files: string[],
  cwd: string,
  allowOutsideImages: boolean,
): Promise<Storyboard[]> {
  const boards: Storyboard[] = [];
  const problems: Problem[] = [];
  for (const file of files) {
    try {
      boards.push(await validateStoryboard(await loadStoryboard(file, cwd), { allowOutsideImages }));
    } catch (err) {
      if (!(err instanceof StoryboardError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length > 0) throw new StoryboardError(problems);
  return boards;
}

// --only names shots; a typo must not silently generate nothing. Each id must exist in some storyboard.
export function checkOnly(boards: Storyboard[], only: Set<string>): Set<string> {
  const ids = [...new Set(boards.flatMap((b) => b.shots.map((s) => s.id)))];
  const unknown = [...only].filter((id) => !ids.includes(id));
  if (unknown.length === 0) return only;
  const hints = unknown.map(
    (id) => `"${id}"${closest(id, ids) ? ` (did you mean "${closest(id, ids)}"?)` : ""}`,
  );
  const where = boards.length === 1 ? `${boards[0]!.file} does not have` : "no storyboard has";
  throw new UsageError(
    `--only names shots that ${where}: ${hints.join(", ")}; the shots are: ${ids.join(", ")}`,
  );
}
