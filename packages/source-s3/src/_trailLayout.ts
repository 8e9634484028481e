/**
 * Reads the folder layout CloudTrail writes:
 * `[prefix/]AWSLogs/[o-orgid/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/FILE`.
 * Plain string operations on `/`-separated segments: no regular expressions.
 */

/** The parts of a path that follow CloudTrail's layout, as far as the path goes. */
export interface TrailLayout {
  /** Everything up to and including `REGION/`, when the region segment is complete. */
  regionPrefix?: string;
  /** The service folder after the account: `CloudTrail`, `CloudTrail-Digest`, `CloudTrail-Insight`, ... */
  folder: string;
  /** Everything up to and including `FOLDER/`. */
  folderPrefix: string;
  /** UTC day of the date folders, epoch ms, when all three are present and valid. */
  day?: number;
}

function isDigits(text: string, length: number): boolean {
  if (text.length !== length) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function dayOf(year: string | undefined, month: string | undefined, day: string | undefined): number | undefined {
  if (!year || !month || !day || !isDigits(year, 4) || !isDigits(month, 2) || !isDigits(day, 2)) return undefined;
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  const time = Date.UTC(y, m - 1, d);
  const check = new Date(time);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) return undefined;
  return time;
}

/**
 * Finds CloudTrail's layout in a key or folder path. Only complete segments count: in a path that
 * does not end with `/`, the last segment is a file name (or an unfinished folder name).
 */
export function parseTrailLayout(path: string): TrailLayout | undefined {
  const segments = path.split('/');
  const complete = segments.length - 1; // the last segment is never a complete folder
  for (let a = 0; a < complete; a++) {
    if (segments[a] !== 'AWSLogs') continue;
    let account = a + 1;
    if (segments[account]?.startsWith('o-')) account += 1;
    if (account >= complete || !isDigits(segments[account] ?? '', 12)) continue;
    const folderIndex = account + 1;
    if (folderIndex >= complete) continue;
    const folder = segments[folderIndex] ?? '';
    const regionIndex = folderIndex + 1;
    const layout: TrailLayout = { folder, folderPrefix: `${segments.slice(0, folderIndex + 1).join('/')}/` };
    if (regionIndex < complete) {
      layout.regionPrefix = `${segments.slice(0, regionIndex + 1).join('/')}/`;
      if (regionIndex + 3 < complete) {
        const day = dayOf(segments[regionIndex + 1], segments[regionIndex + 2], segments[regionIndex + 3]);
        if (day !== undefined) layout.day = day;
      }
    }
    return layout;
  }
  return undefined;
}

/** `YYYY/MM/DD` of a UTC day, as in CloudTrail's folders. */
export function dayFolder(time: number): string {
  const date = new Date(time);
  const mm = String(date.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(date.getUTCDate()).padStart(2, '0');
  return `${String(date.getUTCFullYear()).padStart(4, '0')}/${mm}/${dd}`;
}

/** The start of the UTC day that contains `time`. */
export function startOfDay(time: number): number {
  const date = new Date(time);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
}
