// The previous render, read from its report and the clips' sidecars: what each shot's clip was made from,
// and which shots failed (so a plan can say "failed last time" rather than "new shot").
import { readJson } from "../cache/atomic.js";
import type { CachePaths } from "../cache/layout.js";
import { readSidecar } from "../cache/artifacts/index.js";
import { storedAs } from "../steps/registry.js";
import type { Report } from "../report/report.js";

export interface PreviousRender {
  // Key material of each shot's clip, by shot id.
  materials: Map<string, Record<string, unknown>>;
  // Shots whose last attempt failed: the key that was tried and fal's (or ffmpeg's) answer.
  failures: Map<string, { key: string; error: string }>;
  // Key material of each still, by name.
  stills: Map<string, Record<string, unknown>>;
}

export async function readPreviousRender(reportFile: string, paths: CachePaths): Promise<PreviousRender> {
  // The report's own type: an older report may lack a list, so each is read as optional.
  const report = await readJson<Partial<Pick<Report, "shots" | "steps">>>(reportFile);
  const stills = new Map<string, Record<string, unknown>>();
  await Promise.all(
    (report?.steps ?? [])
      .filter((s) => storedAs(s, "still"))
      .map(async (s) => {
        const material = (await readSidecar(paths, "still", s.key))?.key_material;
        if (material) stills.set(s.name, material);
      }),
  );
  const materials = new Map<string, Record<string, unknown>>();
  const failures = new Map<string, { key: string; error: string }>();
  await Promise.all(
    (report?.shots ?? []).map(async (s) => {
      if (s.status === "failed") failures.set(s.id, { key: s.key, error: s.error ?? "" });
      const material = (await readSidecar(paths, "clip", s.key))?.key_material;
      if (material) materials.set(s.id, material);
    }),
  );
  return { materials, failures, stills };
}
