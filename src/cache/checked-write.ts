// Files handed to the user (the film's record, report, contact sheet, captions, timelines) are read back
// before anyone names them: a full disk is an error that names the file, never a file cut short.
import { copyFile, readFile, stat, statfs } from "node:fs/promises";
import path from "node:path";
import { RunError } from "../errors.js";
import { writeFileAtomic } from "./atomic.js";
import { WHY } from "./writable.js";
import { removeIfExists } from "../util/fs.js";

// `durable: false` for what the next render writes again anyway (the report, the contact sheet): still atomic
// and read back, but not flushed to the disk before the render goes on (two fsyncs of a no-op render's 0.13 s).
export async function writeChecked(
  file: string,
  data: string | Buffer,
  o: { durable?: boolean } = {},
): Promise<void> {
  const want = typeof data === "string" ? Buffer.from(data) : data;
  try {
    const verify = async (tmp: string) => {
      const back = await readFile(tmp);
      if (!back.equals(want))
        throw new RunError(
          `cannot write ${file}: it reads back as ${back.length} bytes, not the ${want.length} written${await spaceLeft(file)}`,
        );
    };
    await writeFileAtomic(file, want, { verify, durable: o.durable ?? true });
  } catch (err) {
    throw cannotWrite(file, err);
  }
}

// JSON as storyreel writes it everywhere (two-space indent, a final newline); the same bytes read back parse.
export async function writeJsonChecked(
  file: string,
  value: unknown,
  o: { durable?: boolean } = {},
): Promise<void> {
  await writeChecked(file, `${JSON.stringify(value, null, 2)}\n`, o);
}

// A copy of `from`, checked by its size.
export async function copyChecked(from: string, to: string): Promise<void> {
  try {
    await copyFile(from, to);
    const [a, b] = await Promise.all([stat(from), stat(to)]);
    if (a.size !== b.size)
      throw new RunError(`cannot write ${to}: it has ${b.size} bytes of ${a.size}${await spaceLeft(to)}`);
  } catch (err) {
    // Half a copy is no copy.
    await removeIfExists(to);
    throw cannotWrite(to, err);
  }
}

// The file system's refusals (a full disk, no permission) as an error naming the file; anything else as it was.
export function cannotWrite(file: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? "";
  return code in WHY ? new RunError(`cannot write ${file}: ${WHY[code]}`) : err;
}

// "; the device is full" when the folder's file system has (nearly) no room left: why a file came out short.
export async function spaceLeft(file: string): Promise<string> {
  const fs = await statfs(path.dirname(file)).catch(() => undefined);
  if (!fs) return "";
  const free = fs.bavail * fs.bsize;
  return free < 1024 * 1024 ? `; ${WHY.ENOSPC} (${Math.round(free / 1024)} KB free)` : "";
}
