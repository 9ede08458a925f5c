// A cached output a render will read, checked by its sha256 before anything is priced: intact; fetched again
// from the provider's URL when that gives the same bytes (free); else removed, to be planned and made again.
import { evict, type SidecarKind, verified } from "../cache/artifacts/index.js";
import { refetch } from "../providers/refetch.js";
import type { RenderContext } from "./context.js";

// `what` names the output in the notices: "audio", "image". Returns whether it was removed.
export async function repairOutput(
  ctx: RenderContext,
  artifact: SidecarKind,
  step: { id: string; key: string },
  what: string,
): Promise<boolean> {
  if ((await verified(ctx.paths, artifact, step.key)).ok) return false;
  // Offline nothing is fetched or removed: its sidecar still knows where to fetch it for free.
  if (ctx.options.offline) return false;
  if (await refetch(ctx.paths, artifact, step.key)) {
    ctx.emit({
      type: "notice",
      text: `${step.id}: its cached ${what} was damaged; fetched it again from fal (the same bytes, nothing paid)`,
    });
    return false;
  }
  await evict(ctx.paths, artifact, step.key);
  ctx.emit({
    type: "notice",
    text: `${step.id}: its cached ${what} was damaged and was removed; it is made again`,
  });
  return true;
}
