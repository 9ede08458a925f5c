// The parse cache in the cache folder: <cache>/parsed/<sha256 of the text>.json holds a storyboard's parsed
// data. Only data that JSON keeps exactly is stored (no infinities), so a cached parse is the parse.
import { existsSync } from "node:fs";
import path from "node:path";
import { sha256 } from "../util/hash.js";
import { readJson, writeJsonAtomic } from "../cache/atomic.js";

export function parseCache(cacheDir: string) {
  const file = (text: string) => path.join(cacheDir, "parsed", `${sha256(text)}.json`);
  return {
    get: async (text: string): Promise<unknown | undefined> =>
      (await readJson<{ data: unknown }>(file(text)))?.data,
    put: async (text: string, data: unknown): Promise<void> => {
      // Only into a cache already in use: `plan` in a fresh folder creates nothing.
      if (!exactInJson(data) || !existsSync(path.join(cacheDir, "clips"))) return;
      try {
        await writeJsonAtomic(file(text), { version: 1, data }, { durable: false });
      } catch (err) {
        // A cache that cannot be written only costs the next start its parse; the render says why later.
        if (
          !["EACCES", "EPERM", "EROFS", "ENOSPC", "EDQUOT"].includes(
            (err as NodeJS.ErrnoException).code ?? "",
          )
        )
          throw err;
      }
    },
  };
}

function exactInJson(value: unknown): boolean {
  if (typeof value === "number") return Number.isFinite(value) && !Object.is(value, -0);
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (Array.isArray(value)) return value.every(exactInJson);
  if (typeof value === "object") return Object.values(value as object).every(exactInJson);
  return false;
}
