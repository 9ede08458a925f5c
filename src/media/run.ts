// Run ffmpeg/ffprobe with argv arrays (never a shell string); failures carry the quoted command and stderr's tail.
import { RunError } from "../errors.js";

export class FfmpegError extends RunError {
  override name = "FfmpegError";
}

// How every ffmpeg command storyreel runs begins: errors only, overwrite the (temporary) output, never read stdin.
export const FFMPEG_PREAMBLE = ["-v", "error", "-y", "-nostdin"] as const;

// x264's thread count reaches the bytes (its frame threads shape the encode, and every stream carries its
// settings in an SEI): fixed, never the machine's cores or how many encodes run at once, so a piece, a
// burned film or a preview clip is the same bytes on every machine. Two: x264's memory grows with its
// threads (a 1080p piece: about 260 MB with one, 300 MB with two).
export const X264_THREADS = ["-x264-params", "threads=2:lookahead-threads=1:sliced-threads=0"] as const;

export interface RunOptions {
  signal?: AbortSignal;
  // Where the tool runs: a filter that names a file (flite, subtitles) gets a plain relative name.
  cwd?: string;
  onStdoutLine?: (line: string) => void;
}

export async function runTool(file: string, args: string[], options: RunOptions = {}): Promise<string> {
  return String((await run(file, args, options)).stdout);
}

// Like runTool, but hands back stderr, where ffmpeg prints analysis results such as ebur128's.
export async function runToolWithStderr(file: string, args: string[]): Promise<string> {
  return String((await run(file, args, {})).stderr);
}

// Both outputs of one run: `ffmpeg -filters` lists the filters on stdout and its version banner on stderr.
export async function runToolWithBoth(
  file: string,
  args: string[],
): Promise<{ stdout: string; stderr: string }> {
  const result = await run(file, args, {});
  return { stdout: String(result.stdout), stderr: String(result.stderr) };
}

async function run(file: string, args: string[], options: RunOptions) {
  // Loaded on first use: an up-to-date render never starts a process, so it need not load execa either.
  const { execa } = await import("execa");
  const child = execa(file, args, {
    reject: false,
    stripFinalNewline: true,
    ...(options.signal && { cancelSignal: options.signal }),
    ...(options.cwd && { cwd: options.cwd }),
    lines: false,
  });
  if (options.onStdoutLine) {
    // Chunks do not end at line ends; keep the partial last line until the rest of it arrives.
    let partial = "";
    const emit = (line: string) => line && options.onStdoutLine?.(line);
    child.stdout?.on("data", (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split(/\r?\n/);
      partial = lines.pop() ?? "";
      lines.forEach(emit);
    });
    child.stdout?.on("end", () => emit(partial));
  }
  const result = await child;
  if (result.exitCode !== 0 || result.failed) {
    const tail = String(result.stderr ?? "")
      .split("\n")
      .slice(-12)
      .join("\n");
    const why = result.isCanceled
      ? "was cancelled"
      : result.exitCode === undefined
        ? `was killed (${result.signal ?? "unknown signal"})`
        : `exited with code ${result.exitCode}`;
    // The cause first ("No space left on device"), then the command to paste, then the rest of the output.
    const cause = causeOf(tail);
    throw new FfmpegError(
      `${fileName(file)} ${why}${cause ? `: ${cause}` : ""}\ncommand: ${result.escapedCommand}\nits last output:\n${tail}`,
    );
  }
  return result;
}

// What the user can act on: an operating-system error when ffmpeg names one, else its last real complaint.
const OS_ERRORS =
  /Read-only file system|No space left on device|Permission denied|Disk quota exceeded|No such file or directory|Too many open files/;

// ffmpeg failed on the machine (a full disk, a missing file), not on what it was given.
export function osFailure(err: FfmpegError): boolean {
  return OS_ERRORS.test(err.message);
}

export function causeOf(stderr: string): string | undefined {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const os = lines.find((l) => OS_ERRORS.test(l));
  if (os) return os;
  return lines.filter((l) => !/^Conversion failed!?$/.test(l)).at(-1) ?? lines.at(-1);
}

function fileName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}
