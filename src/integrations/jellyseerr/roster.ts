/**
 * The wanted roster from Jellyseerr's season episode counts (`GET /api/v1/tv/{tmdbId}`,
 * `seasons[].episodeCount`, TMDB's figures): for TV requests that Sonarr cannot list — no
 * Sonarr is configured, or Sonarr has not given the request its own list within a grace
 * period (it does not have the series yet). Sonarr's list replaces it as soon as it comes.
 * One lookup per request, again only when its requested seasons change. Pure.
 */
import { compact } from '../../adapters/validation.js';
import type { RosterEpisode, UnstampedEvent } from '../../domain/events.js';
import type { MediaRequest } from '../../domain/model.js';
import type { ApiTvSeasons } from './api.js';

/** The key of the roster a request would get now: same seasons ⇒ same key (the lookup is not repeated). */
export function rosterPrefix(r: MediaRequest): string {
  return `jellyseerr:roster:${r.id}:${r.requested_seasons.join('.')}:`;
}

/**
 * Whether the request still needs Jellyseerr's counts: a TV request with requested seasons and a
 * TMDB id, without Sonarr's own list, not given one for these seasons yet; with Sonarr configured,
 * only once it had `graceMs` to list the series.
 */
export function wantsRoster(r: MediaRequest, opts: { sonarr: boolean; graceMs: number; now: number }): boolean {
  if (r.media_type !== 'tv' || !r.tmdb_id || r.requested_seasons.length === 0) return false;
  if (r.roster?.from === 'sonarr') return false;
  const prefix = rosterPrefix(r);
  if (r.applied.some((k) => k.startsWith(prefix))) return false;
  return !opts.sonarr || opts.now - Date.parse(r.created_at) >= opts.graceMs;
}

/** Episodes 1..episodeCount of every requested season Jellyseerr knows; null when it knows none. */
export function jellyseerrRoster(r: MediaRequest, details: ApiTvSeasons): UnstampedEvent | null {
  const counts = new Map<number, number>();
  for (const s of details.seasons ?? []) if (s.episodeCount && s.episodeCount > 0) counts.set(s.seasonNumber, s.episodeCount);
  const seasons = r.requested_seasons.filter((n) => counts.has(n));
  if (seasons.length === 0) return null;
  const episodes: RosterEpisode[] = [];
  for (const season of seasons) {
    for (let episode = 1; episode <= counts.get(season)!; episode++) episodes.push({ season, episode, monitored: true, has_file: false });
  }
  return {
    kind: 'roster',
    key: `${rosterPrefix(r)}${seasons.map((n) => `${n}x${counts.get(n)}`).join(',')}`,
    source: 'jellyseerr',
    match: compact({ request_id: r.id, media_type: 'tv' as const, scope: 'any' as const }),
    from: 'jellyseerr',
    seasons,
    episodes,
  };
}
