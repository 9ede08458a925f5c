// Content hashing: sha256 over canonical JSON, so equal values always give equal keys.
import { createHash } from "node:crypto";

export function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

// JSON with object keys sorted at every depth, so equal values always hash equally.
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
