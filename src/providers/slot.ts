// Take a slot among the `concurrency` shots allowed to work at once, saying so when the shot has to wait,
// so a shot with its image uploaded reads "waiting for a free slot", not "uploading".
import type { ProviderContext } from "./types.js";

export async function takeSlot(ctx: ProviderContext): Promise<() => void> {
  let granted = false;
  const slot = ctx.slots.acquire().then((release) => {
    granted = true;
    return release;
  });
  // A free slot is granted within a few microtasks (steps/priority-slots.ts, behind the executor's wrappers), so a
  // few tell; a whole turn of the event loop would wait behind every other shot's I/O before this submit.
  for (let turn = 0; turn < 10 && !granted; turn++) await Promise.resolve();
  if (!granted) ctx.update({ state: "waiting", detail: "for a free slot (--concurrency)" });
  return slot;
}
