/**
 * Which tracked file is a Shoko file? Pure: reads a catalog built from the open requests.
 *
 * In order (A7, D9, D10):
 * 1. the Shoko file id, once a request or episode carries it (survives Shoko renames/moves);
 * 2. the absolute path (import folder base + relative path) equal to an imported file's path;
 * 3. the path tail: the last 3, else the last 2 segments (series folder / season folder /
 *    file name) equal to exactly one tracked file of an open anime request — never the file
 *    name alone;
 * 4. (series, SxxEyy) parsed from the file name and folders, for exactly one open anime TV
 *    request that tracks that episode.
 * A blank path never matches anything (callers drop such events before asking).
 */
import type { EpisodeRef } from '../../domain/events.js';
import { pathKey } from '../../domain/index.js';
import type { MediaRequest } from '../../domain/model.js';
import { episodeKey } from '../../domain/model.js';
import { isBlankPath, parseEpisodeNumbers, fileName, sameTail, seriesHints, titleKey } from './paths.js';

export interface TrackedFile {
  requestId: string;
  mediaType: 'movie' | 'tv';
  isAnime: boolean;
  /** The path as the *arr imported it (what correlation indexes). */
  path: string;
  /** TV: the episodes in this file. */
  episodes: EpisodeRef[];
}

export interface Catalog {
  files: TrackedFile[];
  byPath: Map<string, TrackedFile[]>;
  /** Shoko file id → where it was seen (movie request, or the episodes that carry it). */
  byShokoId: Map<number, TrackedFile[]>;
  /** Open anime TV requests, for the (series, SxxEyy) fallback. */
  animeTv: MediaRequest[];
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function ref(e: MediaRequest['episodes'][string]): EpisodeRef {
  return { season: e.season, episode: e.episode };
}

export function buildCatalog(requests: Iterable<MediaRequest>): Catalog {
  const cat: Catalog = { files: [], byPath: new Map(), byShokoId: new Map(), animeTv: [] };
  for (const r of requests) {
    const base = { requestId: r.id, mediaType: r.media_type, isAnime: r.is_anime };
    if (r.media_type === 'movie') {
      if (r.file_path) {
        const f: TrackedFile = { ...base, path: r.file_path, episodes: [] };
        cat.files.push(f);
        push(cat.byPath, pathKey(r.file_path), f);
        if (r.shoko_file_id) push(cat.byShokoId, r.shoko_file_id, f);
      }
      continue;
    }
    if (r.is_anime) cat.animeTv.push(r);
    const byFile = new Map<string, TrackedFile>();
    const byId = new Map<number, TrackedFile>();
    for (const e of Object.values(r.episodes)) {
      if (e.file_path) {
        const key = pathKey(e.file_path);
        let f = byFile.get(key);
        if (!f) {
          f = { ...base, path: e.file_path, episodes: [] };
          byFile.set(key, f);
          cat.files.push(f);
          push(cat.byPath, key, f);
        }
        f.episodes.push(ref(e));
      }
      if (e.shoko_file_id) {
        let f = byId.get(e.shoko_file_id);
        if (!f) {
          f = { ...base, path: e.file_path ?? '', episodes: [] };
          byId.set(e.shoko_file_id, f);
          push(cat.byShokoId, e.shoko_file_id, f);
        }
        f.episodes.push(ref(e));
      }
    }
  }
  return cat;
}

export type Resolution =
  | {
      via: 'file id' | 'path' | 'path tail' | 'episode numbers';
      requestId: string;
      mediaType: 'movie' | 'tv';
      /** The tracked path to correlate by (null for the episode-number fallback). */
      filePath: string | null;
      /** Resolved episodes (TV), or [] to let the reducer match the path. */
      episodes: EpisodeRef[];
    }
  | { via: 'none'; why: string };

export interface FileQuery {
  fileId: number | null;
  /** Absolute path when the import folder is known. */
  absolutePath: string | null;
  /** The relative path as sent (used for the tail and episode fallbacks when the folder is unknown). */
  relativePath: string;
}

function unique<T>(list: T[], keyOf: (t: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const t of list) if (!seen.has(keyOf(t))) seen.set(keyOf(t), t);
  return [...seen.values()];
}

const fileKey = (f: TrackedFile): string => `${f.requestId}\u0000${pathKey(f.path)}`;

function hit(via: 'file id' | 'path' | 'path tail', f: TrackedFile, episodes: EpisodeRef[]): Resolution {
  return { via, requestId: f.requestId, mediaType: f.mediaType, filePath: f.path || null, episodes };
}

export function resolveFile(cat: Catalog, q: FileQuery): Resolution {
  const path = q.absolutePath ?? q.relativePath;
  if (isBlankPath(path)) return { via: 'none', why: 'empty path' };

  if (q.fileId) {
    const known = cat.byShokoId.get(q.fileId);
    if (known?.length) {
      const f = known[0]!;
      return hit('file id', f, f.mediaType === 'tv' ? f.episodes : []);
    }
  }

  if (q.absolutePath) {
    const exact = cat.byPath.get(pathKey(q.absolutePath));
    // Several open requests with the same file (a re-request): correlation picks the newest.
    if (exact?.length) return hit('path', exact[0]!, []);
  }

  const anime = cat.files.filter((f) => f.isAnime);
  for (const n of [3, 2]) {
    const matches = unique(
      anime.filter((f) => sameTail(f.path, path, n)),
      fileKey,
    );
    if (matches.length === 1) return hit('path tail', matches[0]!, []);
    if (matches.length > 1) return { via: 'none', why: `path tail matches ${matches.length} tracked files (${matches.map((m) => m.requestId).join(', ')})` };
  }

  const parsed = parseEpisodeNumbers(fileName(path));
  if (parsed) {
    const hints = seriesHints(path);
    const refs = parsed.episodes.map((episode) => ({ season: parsed.season, episode }));
    const candidates = cat.animeTv.filter((r) => {
      if (!hints.includes(titleKey(r.title))) return false;
      return refs.some((e) => r.episodes[episodeKey(e.season, e.episode)] !== undefined);
    });
    if (candidates.length === 1) {
      const r = candidates[0]!;
      return {
        via: 'episode numbers',
        requestId: r.id,
        mediaType: 'tv',
        filePath: null,
        episodes: refs.filter((e) => r.episodes[episodeKey(e.season, e.episode)] !== undefined),
      };
    }
    if (candidates.length > 1) return { via: 'none', why: `series and episode match ${candidates.length} requests (${candidates.map((c) => c.id).join(', ')})` };
  }
  return { via: 'none', why: 'no open request tracks this file' };
}

/** A movie request by TMDB id, for MovieUpdated (TMDB-only, D1). */
export function animeMovieByTmdb(requests: Iterable<MediaRequest>, tmdbId: number): MediaRequest | undefined {
  let best: MediaRequest | undefined;
  for (const r of requests) {
    if (r.media_type !== 'movie' || r.tmdb_id !== tmdbId || !r.is_anime) continue;
    if (!best || r.created_at > best.created_at) best = r;
  }
  return best;
}
