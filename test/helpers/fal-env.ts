// Environment for driving the real CLI (and the real @fal-ai/client) against the fake fal server.
import type { FakeFal } from "./fake-fal.js";

export const TEST_FAL_KEY = "sk-test-5f0c-DO-NOT-LEAK-9a1b";

export function falEnv(
  fake: FakeFal,
  cacheDir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    FAL_KEY: TEST_FAL_KEY,
    FAL_PROXY_URL: fake.proxyUrl,
    STORYREEL_FAL_POLL_MS: "40",
    STORYREEL_CACHE_DIR: cacheDir,
    ...extra,
  };
}
