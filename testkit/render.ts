// Fill a project's cache through the library pipeline with tiny clips, without the preview provider's cost.
import { findMediaTools, planStoryboards, renderPlans } from "../src/index.js";
import { tinyProvider } from "./tiny-provider.js";

export async function renderTiny(file: string, cwd: string, cacheDir: string, out?: string) {
  const planned = await planStoryboards({
    files: [file],
    cwd,
    provider: "preview",
    cacheDir,
    ...(out && { out }),
  });
  const deps = { tools: findMediaTools(process.env), provider: async () => tinyProvider };
  return renderPlans(planned, {}, deps);
}
