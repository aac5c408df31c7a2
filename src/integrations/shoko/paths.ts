/**
 * Shoko path handling (D9, A7, D10). Shoko's `RelativePath` is relative to an import folder,
 * uses the Shoko host's separators (`\` on Windows) and may or may not start with one; the
 * folder's own `Path` may or may not end with one. Paths are compared with the domain's
 * `pathKey` rule (forward slashes, no doubled or trailing slash).
 */
import { pathKey } from '../../domain/index.js';

/** `\` → `/`, no doubled slash, no trailing slash (a lone `/` stays). */
export function normalizePath(path: string): string {
  const key = pathKey(path.trim());
  return key === '' && path.trim().startsWith('/') ? '/' : key;
}

/** The absolute path of a file from its import folder's base path and its relative path. */
export function joinImportPath(base: string, relative: string): string {
  const root = normalizePath(base).replace(/\/+$/, '');
  const rel = normalizePath(relative).replace(/^\/+/, '');
  if (!rel) return root || '/';
  return `${root}/${rel}`;
}

export function segments(path: string): string[] {
  return normalizePath(path)
    .split('/')
    .filter((s) => s !== '');
}

/** The last `n` segments joined with `/`, or null when the path has fewer. */
export function tail(path: string, n: number): string | null {
  const parts = segments(path);
  if (parts.length < n || n < 1) return null;
  return parts.slice(-n).join('/');
}

/** Same last `n` segments, case-insensitively (Windows hosts, PathEndsWith semantics). */
export function sameTail(a: string, b: string, n: number): boolean {
  const ta = tail(a, n);
  const tb = tail(b, n);
  return ta !== null && tb !== null && ta.toLowerCase() === tb.toLowerCase();
}

export function fileName(path: string): string {
  return segments(path).pop() ?? '';
}

/** True when the path names nothing (D10): empty, blanks, or only separators. */
export function isBlankPath(path: string | null | undefined): boolean {
  return !path || segments(path).length === 0;
}

export interface EpisodeNumbers {
  season: number;
  episodes: number[];
  /** The file name before the `SxxEyy` (the series as the renamer wrote it), may be ''. */
  prefix: string;
}

/**
 * `S01E03`, `S01E03E04`, `S01E03-E04`, `S01E03-04` and `1x03` in a file name. Returns null
 * when there is none (absolute anime numbering like `Show - 03` is not guessed).
 */
export function parseEpisodeNumbers(name: string): EpisodeNumbers | null {
  const base = name.replace(/\.[A-Za-z0-9]{2,4}$/, '');
  const m = /(?:^|[^A-Za-z0-9])S(\d{1,3})[ ._-]?E(\d{1,4})((?:(?:-?E|-)\d{1,4})*)(?![0-9])/i.exec(base);
  if (m) {
    const season = Number(m[1]);
    const first = Number(m[2]);
    const more = [...(m[3] ?? '').matchAll(/\d{1,4}/g)].map((x) => Number(x[0]));
    const episodes = [first];
    const last = more.length ? more[more.length - 1]! : first;
    // `S01E03-E05` is a range; `S01E03E04` lists them.
    if ((m[3] ?? '').includes('-') && last > first && last - first < 50) for (let e = first + 1; e <= last; e++) episodes.push(e);
    else for (const e of more) if (!episodes.includes(e)) episodes.push(e);
    return { season, episodes, prefix: base.slice(0, m.index).trim() };
  }
  const x = /(?:^|[^A-Za-z0-9])(\d{1,2})x(\d{2,3})(?![0-9])/i.exec(base);
  if (x) return { season: Number(x[1]), episodes: [Number(x[2])], prefix: base.slice(0, x.index).trim() };
  return null;
}

/** A title reduced for comparison: lower case, no `(2024)` year, letters and digits only. */
export function titleKey(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\(\d{4}\)|\[[^\]]*\]/g, ' ')
    .replace(/[^a-z0-9]+/g, '');
}

const SEASON_DIR = /^(season\s*\d+|s\d{1,3}|specials?)$/i;

/** Candidate series names for a file path: the renamer's prefix and the series folder. */
export function seriesHints(path: string): string[] {
  const parts = segments(path);
  const name = parts.pop() ?? '';
  const hints = new Set<string>();
  const parsed = parseEpisodeNumbers(name);
  if (parsed?.prefix) {
    const prefix = parsed.prefix.replace(/[\s._-]+$/, '');
    hints.add(titleKey(prefix));
  }
  const parent = parts[parts.length - 1];
  if (parent && SEASON_DIR.test(parent.trim())) {
    const series = parts[parts.length - 2];
    if (series) hints.add(titleKey(series));
  } else if (parent) {
    hints.add(titleKey(parent));
  }
  hints.delete('');
  return [...hints];
}
