// What each shot's clip was made from last time, read from the previous render's report and the clips' sidecars.
import { readJson } from "../cache/atomic.js";
import type { CachePaths } from "../cache/layout.js";
import { readSidecar } from "../cache/store.js";

export async function previousKeyMaterials(
  reportFile: string,
  paths: CachePaths,
): Promise<Map<string, Record<string, unknown>>> {
  const report = await readJson<{ shots?: Array<{ id: string; key: string }> }>(reportFile);
  const found = new Map<string, Record<string, unknown>>();
  await Promise.all(
    (report?.shots ?? []).map(async (s) => {
      const material = (await readSidecar(paths, s.key))?.key_material;
      if (material) found.set(s.id, material);
    }),
  );
  return found;
}
