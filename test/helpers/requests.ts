import type { MediaRequest } from '../../src/domain/model.js';

/** A stored request with neutral values, for tests that build the view a watcher reads. */
export function blankRequest(o: Partial<MediaRequest> & Pick<MediaRequest, 'id' | 'media_type'>, at = '2025-03-14T18:00:00.000Z'): MediaRequest {
  return {
    origin: 'jellyseerr',
    title: 'T',
    year: 2024,
    tmdb_id: null,
    tvdb_id: null,
    imdb_id: null,
    poster_url: null,
    is_anime: false,
    anime_source: null,
    requested_by: null,
    requested_seasons: [],
    jellyseerr_request_id: null,
    merged_request_ids: [],
    arr: null,
    state: 'IMPORTING',
    phase: 'IMPORTING',
    state_since: at,
    stuck: null,
    downloads: {},
    file_path: null,
    jellyfin_id: null,
    episodes: {},
    timeline: [],
    applied: [],
    created_at: at,
    updated_at: at,
    ...o,
  };
}
