// Which clip provider a render uses. fal's credentials are checked at once (a missing key costs nothing);
// its client is loaded only when a clip must really be generated.
import { cachePaths } from "../cache/layout.js";
import type { ProviderId } from "../plan/key.js";
import { falSettings, type FalSettings } from "../providers/fal/settings.js";
import { previewProviderOfSize } from "../providers/preview.js";
import type { StepProvider } from "../providers/types.js";
import { systemClock } from "../util/clock.js";

export interface ProviderChoice {
  provider: ProviderId;
  env: NodeJS.ProcessEnv;
  cacheDir: string;
  falProxy?: string;
  resubmitUnconfirmed?: boolean;
  // Nothing is generated offline, so no credentials are needed.
  offline?: boolean;
  // The long side of preview clips in pixels (default 640; tests make 160).
  previewLongSide?: number;
}

export function providerLoader(choice: ProviderChoice): () => Promise<StepProvider> {
  if (choice.provider !== "fal" || choice.offline)
    return async () => previewProviderOfSize(choice.previewLongSide);
  const settings = falSettings(choice.env, choice.falProxy);
  return () => loadFalProvider(settings, choice);
}

async function loadFalProvider(fal: FalSettings, choice: ProviderChoice): Promise<StepProvider> {
  const [{ makeFalClient }, { falProvider }, { ImageUploads }, { falRequestListing }] = await Promise.all([
    import("../providers/fal/client.js"),
    import("../providers/fal/provider.js"),
    import("../providers/fal/uploads.js"),
    import("../providers/fal/request-listing.js"),
  ]);
  const client = makeFalClient(fal);
  return falProvider({
    fal: client,
    uploads: new ImageUploads(client, cachePaths(choice.cacheDir).uploads, systemClock),
    // Unset: at fal's own pace (queue.ts pollDelay); tests and benches fix it.
    pollMs: Number(choice.env.STORYREEL_FAL_POLL_MS ?? 0),
    statusStream: { usable: true },
    resubmitUnconfirmed: choice.resubmitUnconfirmed ?? false,
    listing: falRequestListing(fal),
    claimed: new Set(),
  });
}
