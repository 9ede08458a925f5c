// Each kind of artifact's files: <cache>/<kind>s/<key>.<ext> and, but for frames, its sidecar <key>.json; the
// extension its format gives, and where its sidecar records the provider's URL. The store dispatches on this.
import type { AudioFormat } from "../../models/audio-types.js";
import type { ArtifactKind, CachePaths } from "../layout.js";
import type { AnySidecar, SidecarKind } from "./sidecars.js";

interface KindFiles {
  // A still's and a sound's extension is their format's (the sidecar's); the others' is fixed.
  extension: (format?: string) => string;
  formats?: { of: string; names: readonly string[] };
  // The sidecar field holding the URL the provider served the output at.
  url?: string;
}

const KINDS: Record<ArtifactKind, KindFiles> = {
  clip: { extension: () => "mp4", url: "video_url" },
  still: {
    extension: (format) => (format === "jpeg" ? "jpg" : (format ?? "png")),
    formats: { of: "image", names: ["png", "jpeg", "webp"] },
    url: "image_url",
  },
  frame: { extension: () => "png" },
  sound: {
    extension: (format) => format ?? "wav",
    formats: { of: "audio", names: ["mp3", "wav", "flac", "ogg", "m4a"] satisfies AudioFormat[] },
    url: "audio_url",
  },
};

// An output's file extension: clips mp4, frames png, sounds their format, stills theirs (jpeg as .jpg).
export function outputExtension(kind: ArtifactKind, format?: string): string {
  return KINDS[kind].extension(format);
}

// Whether a kind's file name is known without its sidecar (its extension does not depend on a format).
export function fixedExtension(kind: ArtifactKind): boolean {
  return KINDS[kind].formats === undefined;
}

// The URL the provider served this output at, if the sidecar recorded one.
export function outputUrl(kind: SidecarKind, sidecar: AnySidecar): string | undefined {
  const field = KINDS[kind].url;
  const url = field && (sidecar as unknown as Record<string, unknown>)[field];
  return typeof url === "string" ? url : undefined;
}

// What a record lacks when it names no format its kind comes in ("image format"); undefined when it does.
export function formatLacking(kind: SidecarKind, format: unknown): string | undefined {
  const formats = KINDS[kind].formats;
  return !formats || formats.names.includes(format as string) ? undefined : `${formats.of} format`;
}

// Where a kind's output is in the local cache: <cache>/<kind>s/<key>.<ext>.
export function outputFile(
  paths: CachePaths,
  kind: ArtifactKind,
  key: string,
  // A still's or a sound's sidecar (or facts): its format names the extension.
  sidecar?: object,
): string {
  const format = (sidecar as { format?: string } | undefined)?.format;
  return paths.artifact(kind, key, outputExtension(kind, format));
}

export function sidecarFile(paths: CachePaths, kind: SidecarKind, key: string): string {
  return paths.artifact(kind, key, "json");
}
