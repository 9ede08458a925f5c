// Placeholder until the generation issue lands.
import { UsageError } from "../errors.js";
export async function renderCommand(): Promise<void> {
  throw new UsageError("render is not available yet");
}
