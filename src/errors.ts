// The small set of typed errors storyreel throws; src/cli.ts maps them to exit codes in one place.

// A problem found in a storyboard, pinned to a file position (or a shot id when there is no position).
export interface Problem {
  file: string;
  line?: number;
  col?: number;
  path: string;
  message: string;
}

export function formatProblem(p: Problem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.col ?? 1}`;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

// Base class: anything a user can act on. Unknown errors are bugs.
export class StoryreelError extends Error {
  override name = "StoryreelError";
}

// Bad command line, missing credentials, a refused budget: exit 2 before any work.
export class UsageError extends StoryreelError {
  override name = "UsageError";
}

// Every problem in a storyboard, reported together: exit 2.
export class StoryboardError extends StoryreelError {
  override name = "StoryboardError";
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join("\n"));
  }
}

// A run that did work but did not fully succeed (failed shots, an ffmpeg failure): exit 1.
export class RunError extends StoryreelError {
  override name = "RunError";
}

// Ctrl-C: the run stopped on request, with its journal kept.
export class InterruptedError extends StoryreelError {
  override name = "InterruptedError";
}

export interface ProviderErrorOptions extends ErrorOptions {
  // Worth another attempt with backoff (a reset, a 5xx); otherwise the shot fails at once (a 422).
  transient: boolean;
  // The fal request this failure belongs to, when one exists.
  requestId?: string;
}

// A failed attempt at one shot. It fails only that shot; the generate stage turns it into the shot's outcome.
export class ProviderError extends StoryreelError {
  override name = "ProviderError";
  readonly transient: boolean;
  readonly requestId: string | undefined;
  constructor(message: string, options: ProviderErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.transient = options.transient;
    this.requestId = options.requestId;
  }
}

// The run was interrupted before this shot was submitted (or while a free preview was being made): nothing
// was spent on it, and the next run makes it.
export class NotStartedError extends ProviderError {
  override name = "NotStartedError";
  constructor(message = "interrupted before it started") {
    super(message, { transient: false });
  }
}
