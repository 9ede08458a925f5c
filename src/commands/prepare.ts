// Load and validate several storyboards, reporting every problem in every file before failing.
import { StoryboardError, type Problem } from "../errors.js";
import { loadStoryboard } from "../storyboard/load.js";
import type { Storyboard } from "../storyboard/types.js";
import { validateStoryboard } from "../storyboard/validate.js";

export async function prepareStoryboards(files: string[], cwd: string, allowOutsideImages: boolean): Promise<Storyboard[]> {
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
