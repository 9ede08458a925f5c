// ffmpeg's -progress output read as the stitch's progress.

// ffmpeg -progress prints key=value lines; out_time_us against a step's length, placed at [start, start+share) of 100 %.
export function progressParser(
  seconds: number,
  start: number,
  share: number,
  onProgress?: (percent: number) => void,
) {
  let last = 0;
  return {
    onLine(line: string) {
      const m = /^out_time_us=(\d+)/.exec(line);
      if (!m) return;
      last = Number(m[1]) / 1e6;
      if (onProgress && seconds > 0) onProgress(100 * (start + share * Math.min(1, last / seconds)));
    },
    seconds: () => last,
  };
}
