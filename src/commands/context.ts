// What a command may touch: its working directory, environment and output streams, passed in so tests need no mocks.
export interface CliContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  // Raw writes to stderr (no newline added) and its width, for the live progress display on a terminal.
  stderrRaw: (text: string) => void;
  columns: number;
  isTTY: boolean;
  // Aborted on the first Ctrl-C: commands stop starting new work and return.
  signal: AbortSignal;
}
