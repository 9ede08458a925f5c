// What the semantic checks share: a way to pin a problem to a data path, and a shape test for mappings.
import type { DataPath } from "./positions.js";

// Pins a message to a data path in the storyboard being checked; with `key`, to that key of the mapping at
// `at` (its name, not its value: a bad still name is pointed at where the name is written); with `text`, to
// where that text is written inside the value (an unknown `@name` in a prompt).
export type Report = (at: DataPath, message: string, key?: string, text?: string, nth?: number) => void;

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
