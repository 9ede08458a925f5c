// Durable, atomic file writes: a crash leaves either the old file or the new one, never half of either.
import { createHash, randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, open, readFile, rename } from "node:fs/promises";
import path from "node:path";
import { RunError } from "../errors.js";
import { existsNow, isMissing, listIfExists, removeIfExists, withPath } from "../util/fs.js";

// `durable: false` still survives kill -9 (the kernel keeps the rename); it skips the fsyncs that guard against power loss.
export async function writeFileAtomic(
  file: string,
  data: string | Buffer,
  // `verify`: the written temp file is checked before it takes the file's place (a concurrent writer of the
  // same file can then never fail another's check).
  options: { durable?: boolean; verify?: (tmp: string) => Promise<void> } = {},
): Promise<void> {
  const durable = options.durable ?? true;
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = tempSibling(file);
    const handle = await open(tmp, "w");
    try {
      await handle.writeFile(data);
      if (durable) await handle.sync();
    } catch (err) {
      // A full disk leaves a partial temp file: it would only make the disk fuller.
      await handle.close();
      await removeIfExists(tmp);
      throw err;
    }
    await handle.close();
    if (options.verify)
      await options.verify(tmp).catch(async (err) => {
        await removeIfExists(tmp);
        throw err;
      });
    if (durable) await commitRename(tmp, file);
    else await rename(tmp, file);
  } catch (err) {
    throw withPath(err, file);
  }
}

// JSON as storyreel writes it everywhere: two-space indent, a final newline, atomically.
export async function writeJsonAtomic(
  file: string,
  value: unknown,
  options: { durable?: boolean } = {},
): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`, options);
}

// Atomic but not durable (survives kill -9, not power loss), with no turn of the event loop in between.
export function writeJsonAtomicSync(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempSibling(file);
  try {
    writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw withPath(err, file);
  }
}

// Rename into place, then fsync the folder so the new name itself survives a power cut.
export async function commitRename(tmp: string, file: string): Promise<void> {
  try {
    await rename(tmp, file);
  } catch (err) {
    await removeIfExists(tmp);
    throw err;
  }
  const dir = await open(path.dirname(file), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

// A large derived file (a film) replacing the one before it: the old one is renamed aside first and freed
// after its last handle closes, since a rename over a file has ext4 write the new one out first (auto_da_alloc:
// 30-48 ms for an 85 MB film) and freeing the old one's blocks took 23 ms more. The renames are synchronous,
// so no signal handler runs between them; a kill -9 there leaves no film, which the next render stitches again.
export async function replaceAside(tmp: string, file: string): Promise<void> {
  const old = await open(file, "r").catch(() => undefined);
  try {
    if (!old || !(await old.stat()).isFile()) return await rename(tmp, file);
    const aside = tempSibling(file);
    renameSync(file, aside);
    try {
      renameSync(tmp, file);
    } catch (err) {
      try {
        renameSync(aside, file);
      } catch {
        throw new RunError(
          `cannot write ${file} (${(err as Error).message}); the one before it is at ${aside}`,
        );
      }
      throw err;
    }
    // The new file is in place: an aside that cannot be removed now is an orphan, swept by the next run.
    await removeIfExists(aside).catch(() => {});
  } finally {
    old?.close().catch(() => {});
  }
}

// The writer's pid and host are in the name, so a sweep on a shared (network) cache judges only its own host's.
export function tempSibling(file: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}-${HOST_TAG}.${randomBytes(4).toString("hex")}.tmp`,
  );
}

const HOST_TAG = createHash("sha256").update(hostname()).digest("hex").slice(0, 6);

export async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    // A missing file (the common case for journals and sidecars) is known without a trip through libuv's pool.
    if (!existsNow(file)) return undefined;
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch (err) {
    if (isMissing(err)) return undefined;
    if (err instanceof SyntaxError) return undefined;
    throw withPath(err, file);
  }
}

// readJson without the trips through libuv's pool (open, stat, read, close), for small files read by the hundred.
export function readJsonNow<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch (err) {
    if (isMissing(err) || err instanceof SyntaxError) return undefined;
    throw withPath(err, file);
  }
}

// Remove temp files left by processes that died mid-write (kill -9); live writers' files are left alone. An
// ffmpeg that outlived its killed parent and still writes one of them is stopped first.
export async function sweepOrphans(dirs: string[]): Promise<number> {
  const orphans: string[] = [];
  for (const dir of dirs) {
    for (const name of await listIfExists(dir)) {
      // Names without a host tag come from older versions, which wrote only on this host's caches.
      const [, pid, host] = /^\..+\.(\d+)(?:-([0-9a-f]{6}))?\.[0-9a-f]{8}\.tmp$/.exec(name) ?? [];
      if (pid && (host ?? HOST_TAG) === HOST_TAG && !processAlive(Number(pid)))
        orphans.push(path.join(dir, name));
    }
  }
  if (orphans.length > 0) await stopWritersOf(orphans);
  for (const file of orphans) await removeIfExists(file);
  return orphans.length;
}

// Processes (on Linux, read from /proc) whose command line names one of these files are killed: they are
// children of a storyreel that was killed, and would otherwise run on, writing a file nobody will read.
async function stopWritersOf(files: string[]): Promise<void> {
  const wanted = new Set(files);
  for (const entry of await listIfExists("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let args: string[];
    try {
      args = (await readFile(`/proc/${entry}/cmdline`, "utf8")).split("\0");
    } catch (err) {
      // Gone meanwhile, or another user's process.
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === "EACCES") continue;
      throw err;
    }
    if (!args.some((a) => wanted.has(a))) continue;
    try {
      process.kill(Number(entry), "SIGKILL");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
    }
  }
}

// When a process started, in clock ticks since boot (Linux /proc), so a pid reused by a later process is not
// mistaken for the one that took a lock. Undefined where /proc is not available.
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses; fields are counted after its last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

// Whether a process with this pid is running on this machine (EPERM: it is, but belongs to someone else).
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
