// The one way a provider's finished clip enters the cache: the same sidecar record for every provider, for a
// generated clip and for a pass's output alike.
import { type ClipSidecar, insert } from "../cache/artifacts/index.js";
import type { MediaInfo } from "../media/probe.js";
import { keyMaterial, type ProviderId } from "../plan/key.js";
import type { ClipJob, PassJob, ProviderContext } from "./types.js";

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

// Whose clip it is: its key, shot, endpoint and key material, and for a pass, which and over what.
interface ClipOwner {
  key: string;
  shot: string;
  endpoint: string;
  keyMaterial: Record<string, unknown>;
  pass?: PassJob["kind"];
  from?: string;
}

export function storeClip(
  job: ClipJob,
  ctx: ProviderContext,
  tmp: string,
  info: MediaInfo,
  facts: ClipFacts,
): Promise<ClipSidecar> {
  const owner = {
    key: job.key,
    shot: job.shot.id,
    endpoint: job.model.endpoint,
    keyMaterial: keyMaterial(job.shot, facts.provider),
  };
  return storeOwned(owner, ctx, tmp, info, facts);
}

// A pass's output: a clip under the pass's key, naming the pass and the clip it was made from.
export function storePass(
  job: PassJob,
  ctx: ProviderContext,
  tmp: string,
  info: MediaInfo,
  facts: ClipFacts,
): Promise<ClipSidecar> {
  const owner = {
    key: job.key,
    shot: job.shot,
    endpoint: job.pass.endpoint,
    keyMaterial: job.keyMaterial,
    pass: job.kind,
    from: job.video.key,
  };
  return storeOwned(owner, ctx, tmp, info, facts);
}

async function storeOwned(
  owner: ClipOwner,
  ctx: ProviderContext,
  tmp: string,
  info: MediaInfo,
  facts: ClipFacts,
): Promise<ClipSidecar> {
  return insert(ctx.paths, "clip", owner.key, tmp, {
    shot: owner.shot,
    provider: facts.provider,
    endpoint: owner.endpoint,
    input: facts.input,
    ...(facts.requestId && { request_id: facts.requestId }),
    created_at: new Date(ctx.clock.now()).toISOString(),
    timings: facts.timings,
    cost: facts.cost,
    duration: info.duration,
    has_audio: info.audio !== undefined,
    media: info,
    key_material: owner.keyMaterial,
    ...(owner.pass && { pass: owner.pass, from: owner.from }),
    ...(facts.videoUrl && { video_url: facts.videoUrl }),
  });
}
