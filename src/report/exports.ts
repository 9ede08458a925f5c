// The report's links to the timelines `storyreel export` wrote beside the film.

// A timeline `storyreel export` wrote, as `<film>.exports.json` keeps it: the film key says which film it shows.
export interface ExportRecord {
  format: string;
  path: string;
  film_key?: string;
}

// The report's links to the exported timelines; `current` when one shows the film with this key.
export function reportExports(
  records: ExportRecord[],
  filmKey: string | undefined,
  rel: (file: string) => string,
): Array<{ format: string; path: string; current: boolean }> {
  return records.map((e) => ({
    format: e.format,
    path: rel(e.path),
    current: e.film_key !== undefined && e.film_key === filmKey,
  }));
}
