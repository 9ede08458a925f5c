// What a timeline says of each shot's clip: the shot, its prompt, the clip the film uses (its finished clip when
// it has passes) and, for a finished clip, the clip it was made from and every pass that made it.
import { type ClipSidecar, readSidecar } from "../cache/artifacts/index.js";
import type { CachePaths } from "../cache/layout.js";
import { filmClipKey, type Plan, type PlannedShot } from "../plan/plan.js";
import { shotPasses } from "../report/passes.js";
import type { Shot } from "../storyboard/types.js";

export interface ShotClip {
  // The key of the clip the film uses, and its sidecar.
  key: string;
  sidecar: ClipSidecar;
  metadata: Record<string, unknown>;
}

// The shot's film clip from the cache, with its metadata; undefined when the cache does not have it.
export async function shotClip(
  paths: CachePaths,
  plan: Plan,
  shot: Shot,
  s: PlannedShot,
): Promise<ShotClip | undefined> {
  const key = filmClipKey(s);
  const finished = await readSidecar(paths, "clip", key);
  // The generation: request id and cost are the shot's clip's, the one video model call it made.
  const clip = key === s.key ? finished : await readSidecar(paths, "clip", s.key);
  if (!finished) return undefined;
  const passes = await Promise.all(
    shotPasses(plan, shot, s).map(async (p) => {
      const side = await readSidecar(paths, "clip", p.step.key);
      return {
        kind: p.kind,
        model: p.endpoint,
        pass: p.pass,
        ...(p.height && { height: p.height }),
        key: p.step.key,
        from: p.from,
        ...(side?.request_id && { request_id: side.request_id }),
        cost: side?.cost ?? p.step.cost,
      };
    }),
  );
  return {
    key,
    sidecar: finished,
    metadata: {
      shot: s.id,
      prompt: shot.prompt,
      key,
      take: s.take ?? 1,
      // The endpoint that made it, its family's alias and the mode the shot's inputs chose.
      model: s.endpoint,
      family: s.model,
      mode: s.mode,
      ...(clip?.request_id && { request_id: clip.request_id }),
      cost: clip?.cost ?? s.cost,
      // The bytes of the file the timeline names.
      sha256: finished.sha256,
      ...(passes.length > 0 && { clip_key: s.key, passes }),
    },
  };
}
