/**
 * Deterministic content for the watcher benchmarks (watch.ts): the tracked requests a tracker
 * starts with, and what the upstream services hold. Shared by the orchestrator (which stocks
 * the upstream fakes) and watch-target.ts (which stores the requests).
 *
 * Tracked requests (all open): 90 % movies requested in Jellyseerr and grabbed by Radarr (a
 * torrent in qBittorrent), 10 % series with season 2 requested and its first 4 episodes
 * grabbed (season 1 is in Jellyfin, season 2 is not yet).
 */
import { fakeHash, jellyseerr, radarrGrab, range, sonarrGrab, type MovieSpec, type ShowSpec } from '../src/demo/payloads.js';
import type { Hook } from './population.js';

export const MAX_TRACKED = 500;
/** Untracked content of the upstream services (the same whatever the number of tracked requests). */
export const LIBRARY_MOVIES = 1000;
export const LIBRARY_SERIES_UNTRACKED = 50;
export const EPISODES_PER_SEASON = 8;
export const UNTRACKED_TORRENTS = 100;
export const GRABBED_EPISODES = 4;

export interface Tracked {
  movies: MovieSpec[];
  shows: ShowSpec[];
}

export function trackedMovie(i: number): MovieSpec {
  return {
    requestId: 7_000_000 + i,
    tmdbId: 7_000_000 + i,
    title: `Bench Tracked Movie ${i}`,
    year: 2000 + (i % 25),
    radarrId: 70_000 + i,
    hash: fakeHash(`watch-movie:${i}`),
    requestedBy: 'alice',
  };
}

export function trackedShow(j: number): ShowSpec {
  return {
    requestId: 7_100_000 + j,
    tmdbId: 7_100_000 + j,
    tvdbId: 7_100_000 + j,
    title: `Bench Tracked Series ${j}`,
    year: 2010 + (j % 15),
    sonarrId: 71_000 + j,
    seasons: [2],
    requestedBy: 'bob',
  };
}

export const showHash = (s: ShowSpec): string => fakeHash(`watch-show:${s.sonarrId}`);

/** The first `n` tracked requests (10 % series, rounded down). */
export function tracked(n: number): Tracked {
  const shows = Math.floor(n / 10);
  return {
    movies: Array.from({ length: n - shows }, (_, i) => trackedMovie(i)),
    shows: Array.from({ length: shows }, (_, j) => trackedShow(j)),
  };
}

/** Webhooks that create the tracked requests, in the order the services would send them. */
export function trackedHooks(t: Tracked): Hook[] {
  const out: Hook[] = [];
  for (const m of t.movies) out.push({ route: 'jellyseerr', body: jellyseerr('MEDIA_AUTO_APPROVED', m) }, { route: 'radarr', body: radarrGrab(m) });
  for (const s of t.shows) {
    out.push({ route: 'jellyseerr', body: jellyseerr('MEDIA_AUTO_APPROVED', s) }, { route: 'sonarr', body: sonarrGrab(s, range(2, 1, GRABBED_EPISODES), showHash(s)) });
  }
  return out;
}
