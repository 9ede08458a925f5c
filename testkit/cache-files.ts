// Reading and damaging a cache from the outside, as a test does: the journal's states, a byte flipped.
import { open, readdir, readFile } from "node:fs/promises";
import path from "node:path";

// The state of each journal entry (temp files left out); one being written reads as "".
export async function journalStates(cache: string): Promise<string[]> {
  const dir = path.join(cache, "journal");
  const names = (await readdir(dir).catch(() => [] as string[])).filter((f) => !f.startsWith("."));
  return Promise.all(
    names.map(async (f) => {
      try {
        return (JSON.parse(await readFile(path.join(dir, f), "utf8")) as { state: string }).state;
      } catch {
        return "";
      }
    }),
  );
}

// One byte changed in the middle: the size stays, only the sha256 can tell.
export async function flipByte(file: string): Promise<void> {
  const handle = await open(file, "r+");
  try {
    const at = Math.floor((await handle.stat()).size / 2);
    const buf = Buffer.alloc(1);
    await handle.read(buf, 0, 1, at);
    buf[0] = buf[0]! ^ 0xff;
    await handle.write(buf, 0, 1, at);
  } finally {
    await handle.close();
  }
}
