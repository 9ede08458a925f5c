// The fal provider: clips, stills and sounds, each one paid request (request.ts) that never submits a key
// twice. Connections opened ahead of a submit (spare-connections.ts) follow the slots through the loop's hooks.
import type { ClipProvider } from "../types.js";
import { type ClipOptions, falClip } from "./clip.js";
import type { SlotHooks } from "./request.js";
import { falSound } from "./sound.js";
import type { SpareConnections } from "./spare-connections.js";
import { falStill } from "./still.js";

export interface FalProviderOptions extends ClipOptions {
  // Connections opened for the next submit while a finished request's result is fetched.
  spares?: SpareConnections;
}

export function falProvider(options: FalProviderOptions): ClipProvider {
  const { spares } = options;
  const slotHooks: SlotHooks | undefined = spares && {
    waiting: (delta) => spares.waitingForSlot(delta),
    // This slot frees up once the result is fetched: the next submit's connection opens meanwhile.
    finished: () => spares.prepare(),
  };
  const o = { ...options, ...(slotHooks && { slotHooks }) };
  return {
    id: "fal",
    generate: (job, ctx) => falClip(job, ctx, o),
    still: (job, ctx) => falStill(job, ctx, o),
    sound: (job, ctx) => falSound(job, ctx, o),
  };
}
