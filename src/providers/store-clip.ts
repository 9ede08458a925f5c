// The one way a provider's finished clip enters the cache: the same sidecar record for every provider.
import { type ClipSidecar, insert } from "../cache/artifacts/index.js";
import type { MediaInfo } from "../media/probe.js";
import { keyMaterial, type ProviderId } from "../plan/key.js";
import type { ClipJob, ProviderContext } from "./types.js";

export interface ClipFacts {
  provider: ProviderId;
  // The model input as sent (uploaded image URLs included); empty when nothing was sent anywhere.
  input: Record<string, unknown>;
  cost: number;
  timings: ClipSidecar["timings"];
  requestId?: string;
  // Where the provider served the clip, so a damaged copy can be fetched again before anything is re-paid.
  videoUrl?: string;
}

export async function storeClip(
  job: ClipJob,
  ctx: ProviderContext,
  tmp: string,
  info: MediaInfo,
  facts: ClipFacts,
): Promise<ClipSidecar> {
  return insert(ctx.paths, "clip", job.key, tmp, {
    shot: job.shot.id,
    provider: facts.provider,
    endpoint: job.model.endpoint,
    input: facts.input,
    ...(facts.requestId && { request_id: facts.requestId }),
    created_at: new Date(ctx.clock.now()).toISOString(),
    timings: facts.timings,
    cost: facts.cost,
    duration: info.duration,
    has_audio: info.audio !== undefined,
    media: info,
    key_material: keyMaterial(job.shot, facts.provider),
    ...(facts.videoUrl && { video_url: facts.videoUrl }),
  });
}
