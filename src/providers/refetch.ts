// A paid output whose bytes went bad is fetched again from the provider's URL when it is still served there, and
// accepted only if it is byte-for-byte the output that was paid for: the store's refetch with fal's download.
import type { CachePaths } from "../cache/layout.js";
import { refetch as refetchWith, type SidecarKind } from "../cache/artifacts/index.js";
import { downloadFile } from "./fal/download.js";

export function refetch(paths: CachePaths, kind: SidecarKind, key: string): Promise<boolean> {
  return refetchWith(paths, kind, key, (url, file) => downloadFile(url, file));
}
