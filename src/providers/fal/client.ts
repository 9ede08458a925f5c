// The one place @fal-ai/client is configured: credentials, and optionally fal's proxy protocol.
import { createFalClient, type FalClient } from "@fal-ai/client";
import type { FalSettings } from "./settings.js";

export function makeFalClient(settings: FalSettings): FalClient {
  return createFalClient({
    credentials: settings.credentials,
    suppressLocalCredentialsWarning: true,
    ...(settings.proxyUrl && { proxyUrl: { url: settings.proxyUrl, when: "always" as const } }),
  });
}
