/** Payload builders for the panel's tests (test/unit/panel.*.test.ts): contract-shaped defaults. */
import type { Episode, RequestState } from '../src/data/types.js';

export function request(id: string, patch: Partial<RequestState> = {}): RequestState {
  return {
    id,
    state: 'REQUESTED',
    state_label: 'Requested',
    state_since: '2026-11-22T03:00:00.000Z',
    title: `Title ${id}`,
    year: 2024,
    media_type: 'movie',
    is_anime: false,
    anime_source: null,
    origin: 'jellyseerr',
    tmdb_id: 1,
    tvdb_id: null,
    imdb_id: null,
    jellyseerr_request_id: 1,
    arr: null,
    jellyfin_id: null,
    requested_by: 'alice',
    requested_seasons: [],
    poster_url: null,
    progress: null,
    speed_bps: null,
    eta_s: null,
    size: null,
    downloads: 0,
    episodes: { total: 1, available: 0, by_state: { REQUESTED: 1 } },
    stuck: null,
    last_reason: null,
    created_at: '2026-11-22T03:00:00.000Z',
    updated_at: '2026-11-22T03:00:00.000Z',
    ...patch,
  };
}

export const episode = (season: number, n: number, state = 'DOWNLOADING'): Episode => ({
  season,
  episode: n,
  title: `Episode ${n}`,
  state,
  progress: 0.5,
  air_date_utc: null,
  file: null,
  release: null,
  jellyfin_id: null,
});
