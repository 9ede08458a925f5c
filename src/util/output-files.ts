// The files written beside a film: its record, its report, its contact sheet and the posters folder.
export interface FilmFiles {
  film: string;
  record: string;
  report: string;
  html: string;
  posters: string;
  // The timelines `storyreel export` wrote for it, so the report links to them.
  exports: string;
}

export function filmFiles(output: string): FilmFiles {
  const base = output.replace(/\.mp4$/i, "");
  return {
    film: output,
    record: `${base}.film.json`,
    report: `${base}.report.json`,
    html: `${base}.html`,
    posters: `${base}.posters`,
    exports: `${base}.exports.json`,
  };
}
