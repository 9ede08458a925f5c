// Environment for driving the CLI (and the real @fal-ai/client) against the fake fal server.
import type { FakeFal } from "./fake-fal.js";

export { TEST_FAL_KEY } from "./fake-fal.js";

export function falEnv(
  fake: FakeFal,
  cacheDir: string,
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    FAL_KEY: fake.key,
    FAL_PROXY_URL: fake.proxyUrl,
    STORYREEL_FAL_POLL_MS: "40",
    STORYREEL_CACHE_DIR: cacheDir,
    ...extra,
  };
}
