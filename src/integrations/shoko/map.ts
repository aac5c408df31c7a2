/**
 * Shoko messages → normalised `anime_match` events. Pure.
 *
 * Shoko only ever moves a request to ANIME_MATCHING (or flags it stuck); AVAILABLE is
 * Jellyfin's alone (E1), so nothing here says `available`.
 */
import type { AnimeMatchEvent, Match } from '../../domain/events.js';
import { pathKey } from '../../domain/index.js';
import type { CrossRef, ShokoMessage } from './payloads.js';
import type { Resolution } from './resolve.js';

export type AnimeMatch = Omit<AnimeMatchEvent, 'at'>;
type Resolved = Exclude<Resolution, { via: 'none' }>;

const list = (ids: number[]): string => [...new Set(ids)].join(', ');

/** `anime 123, episode 456` (AniDB ids), or the Shoko ids v4.2.2 sends instead. */
export function describeCrossRefs(refs: CrossRef[]): string {
  const anidbAnime = refs.map((r) => r.anidbAnimeId).filter((n): n is number => !!n);
  const anidbEps = refs.map((r) => r.anidbEpisodeId).filter((n): n is number => !!n);
  if (anidbAnime.length || anidbEps.length) {
    const eps = [...new Set(anidbEps)];
    return `anime ${list(anidbAnime) || '?'}, ${eps.length > 1 ? 'episodes' : 'episode'} ${eps.join(', ') || '?'}`;
  }
  const series = refs.map((r) => r.shokoSeriesId).filter((n): n is number => !!n);
  const eps = [...new Set(refs.map((r) => r.shokoEpisodeId).filter((n): n is number => !!n))];
  return `Shoko series ${list(series) || '?'}, ${eps.length > 1 ? 'episodes' : 'episode'} ${eps.join(', ') || '?'}`;
}

/** A stable text for a set of cross-references, so a later, fuller FileMatched is a new event (C6). */
export function crossRefSignature(refs: CrossRef[]): string {
  if (!refs.length) return 'none';
  return refs
    .map((r) => `${r.anidbAnimeId ?? ''}.${r.anidbEpisodeId ?? ''}.${r.shokoSeriesId ?? ''}.${r.shokoEpisodeId ?? ''}`)
    .sort()
    .join('+');
}

export const REASONS = {
  detected: 'Shoko: file detected',
  hashed: 'Shoko: file hashed',
  waitingXrefs: 'Shoko: file matched, waiting for AniDB cross-references',
  notMatched: 'Shoko: file not matched to AniDB (needs a manual link in Shoko)',
  notMatchedBanned: 'Shoko: file not matched to AniDB (needs a manual link in Shoko; Shoko is UDP-banned by AniDB, so it may match on its own once the ban lifts)',
  known: 'Shoko: file found, waiting for AniDB cross-references',
} as const;

export function matchedReason(refs: CrossRef[]): string {
  const anidb = refs.some((r) => r.anidbAnimeId || r.anidbEpisodeId);
  return anidb ? `Shoko: matched to AniDB (${describeCrossRefs(refs)})` : `Shoko: matched (${describeCrossRefs(refs)})`;
}

function matchOf(res: Resolved, absolutePath: string | null): Match {
  if (res.via === 'episode numbers' || res.via === 'file id') {
    return { request_id: res.requestId, ...(res.filePath ? { file_path: res.filePath } : {}), scope: 'active' };
  }
  // Exact path: the mapped path itself (equal to the tracked one under `pathKey`); tail: the tracked one.
  return { file_path: res.via === 'path' && absolutePath ? absolutePath : res.filePath!, scope: 'active' };
}

/**
 * The event for a resolved file message, or null when the message is not a match signal
 * (moves, renames, deletes and metadata events change no request).
 */
export function fileEvent(m: ShokoMessage, res: Resolved, absolutePath: string | null): AnimeMatch | null {
  if (!('file' in m)) return null;
  const f = m.file;
  const where = f.locationId ? String(f.locationId) : pathKey(absolutePath ?? f.relativePath);
  const key = (suffix = ''): string => `shoko:${m.event}:${f.fileId ?? 0}:${where}${suffix}`;
  const base = {
    kind: 'anime_match' as const,
    source: 'shoko' as const,
    match: matchOf(res, absolutePath),
    episodes: res.mediaType === 'tv' ? res.episodes : [],
    shoko_file_id: f.fileId && f.fileId > 0 ? f.fileId : null,
  };
  switch (m.event) {
    case 'FileDetected':
      return { ...base, key: key(), result: 'detected', reason: REASONS.detected };
    case 'FileHashed':
      return { ...base, key: key(), result: 'detected', reason: REASONS.hashed };
    case 'FileMatched':
      if (m.crossRefs.length === 0) return { ...base, key: key(':none'), result: 'detected', reason: REASONS.waitingXrefs };
      return { ...base, key: key(`:${crossRefSignature(m.crossRefs)}`), result: 'matched', reason: matchedReason(m.crossRefs) };
    case 'FileNotMatched':
      return {
        ...base,
        key: key(`:${m.autoMatchAttempts ?? 0}`),
        result: 'not_matched',
        reason: m.isUdpBanned ? REASONS.notMatchedBanned : REASONS.notMatched,
      };
    default:
      return null;
  }
}

/** MovieUpdated `Added` for a tracked anime movie (D1): Shoko linked a TMDB movie to its files. */
export function movieAddedEvent(tmdbId: number, source: string | null): AnimeMatch {
  return {
    kind: 'anime_match',
    key: `shoko:MovieUpdated:${tmdbId}:Added`,
    source: 'shoko',
    match: { tmdb_id: tmdbId, media_type: 'movie', scope: 'active' },
    result: 'detected',
    episodes: [],
    shoko_file_id: null,
    reason: `Shoko: ${source ?? 'TMDB'} movie ${tmdbId} added to Shoko`,
  };
}

/** Only `Reason: Added` matters; the ~20 image and update reasons are noise (D1). */
export function isAddedReason(reason: string | null): boolean {
  return (reason ?? '').toLowerCase() === 'added';
}
