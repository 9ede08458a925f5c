// Run ffmpeg/ffprobe with argv arrays (never a shell string); failures carry the quoted command and stderr's tail.
import { execa } from "execa";
import { RunError } from "../errors.js";

export class FfmpegError extends RunError {
  override name = "FfmpegError";
}

export async function runTool(file: string, args: string[], options: { signal?: AbortSignal; onStderrLine?: (line: string) => void } = {}): Promise<string> {
  const child = execa(file, args, { reject: false, stripFinalNewline: true, ...(options.signal && { cancelSignal: options.signal }), lines: false });
  if (options.onStderrLine) child.stderr?.on("data", (chunk: Buffer) => chunk.toString().split(/\r?\n/).forEach((l) => l && options.onStderrLine?.(l)));
  const result = await child;
  if (result.exitCode !== 0 || result.failed) {
    const tail = String(result.stderr ?? "").split("\n").slice(-12).join("\n");
    const why = result.isCanceled ? "was cancelled" : result.exitCode === undefined ? `was killed (${result.signal ?? "unknown signal"})` : `exited with code ${result.exitCode}`;
    throw new FfmpegError(`${result.escapedCommand}\n${fileName(file)} ${why}:\n${tail}`);
  }
  return String(result.stdout);
}

function fileName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}
