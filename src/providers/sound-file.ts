// A downloaded or synthesized sound into the cache: its format from its first bytes, its length measured.
import { open } from "node:fs/promises";
import { insert, type SoundSidecar } from "../cache/artifacts/index.js";
import { ProviderError } from "../errors.js";
import { ffprobeMedia } from "../media/probe.js";
import { sniffAudio } from "../storyboard/audio-file.js";
import type { ProviderContext, SoundJob } from "./types.js";

export async function storeSound(
  job: SoundJob,
  ctx: ProviderContext,
  tmp: string,
  meta: { provider: string; request_id?: string; audio_url?: string; voiced_by?: string; cost: number },
): Promise<SoundSidecar> {
  const head = new Uint8Array(16);
  const file = await open(tmp, "r");
  try {
    await file.read(head, 0, 16, 0);
  } finally {
    await file.close();
  }
  const format = sniffAudio(head);
  if (!format)
    throw new ProviderError(`the ${job.label} returned is not MP3, WAV, FLAC, Ogg or M4A audio`, {
      transient: true,
      ...(meta.request_id && { requestId: meta.request_id }),
    });
  const media = await ffprobeMedia(ctx.tools.ffprobe, tmp);
  if (!media.audio || !(media.duration > 0))
    throw new ProviderError(`the ${job.label} returned has no audio ffprobe can read`, {
      transient: true,
      ...(meta.request_id && { requestId: meta.request_id }),
    });
  return insert(ctx.paths, "sound", job.key, tmp, {
    kind: job.kind,
    endpoint: job.model.endpoint,
    input: job.input,
    created_at: new Date(ctx.clock.now()).toISOString(),
    format,
    duration: media.duration,
    key_material: job.keyMaterial,
    ...meta,
  });
}
