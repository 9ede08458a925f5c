// fal settings from the environment, read before any work (and without loading @fal-ai/client).
import { UsageError } from "../../errors.js";

export interface FalSettings {
  credentials: string;
  proxyUrl?: string;
}

// Read FAL_KEY (never echoed) and FAL_PROXY_URL / --fal-proxy; refuse before any work when the key is missing.
export function falSettings(env: NodeJS.ProcessEnv, proxyFlag?: string): FalSettings {
  const credentials = env.FAL_KEY?.trim();
  if (!credentials) {
    throw new UsageError(
      "FAL_KEY is not set. Create a key at fal.ai (Dashboard > API keys) and run: export FAL_KEY=...\n(Or try the free offline preview: --provider preview. To render only what the cache or a remote cache already holds: --offline, or --frozen for a committed lock.)",
    );
  }
  const proxyUrl = proxyFlag ?? env.FAL_PROXY_URL;
  if (proxyUrl !== undefined && proxyUrl !== "") {
    try {
      new URL(proxyUrl);
    } catch (err) {
      if (!(err instanceof TypeError)) throw err;
      throw new UsageError(`the fal proxy URL is not a valid URL (got "${proxyUrl}")`);
    }
    return { credentials, proxyUrl };
  }
  return { credentials };
}
