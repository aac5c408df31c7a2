/** A blank request for an event that creates one (Jellyseerr request, or an *arr grab nobody requested). */
import type { GrabbedEvent, ImportedEvent, RequestEvent } from '../events.js';
import type { MediaRequest } from '../model.js';
import type { ReduceOptions } from './types.js';

export function createRequest(id: string, event: RequestEvent | GrabbedEvent | ImportedEvent, opts: Pick<ReduceOptions, 'labelOf'>): MediaRequest {
  const media = event.media;
  const origin = event.kind === 'request' ? 'jellyseerr' : event.arr.service;
  return {
    id,
    origin,
    media_type: media.media_type,
    title: media.title ?? 'Unknown title',
    year: media.year ?? null,
    tmdb_id: media.tmdb_id ?? null,
    tvdb_id: media.tvdb_id ?? null,
    imdb_id: media.imdb_id ?? null,
    poster_url: media.poster_url ?? null,
    is_anime: false,
    anime_source: null,
    requested_by: event.kind === 'request' ? (event.requested_by ?? null) : null,
    requested_seasons: event.kind === 'request' ? (event.requested_seasons ?? []) : [],
    is_4k: (event.kind === 'request' ? event.is_4k : undefined) ?? event.match.is_4k ?? false,
    roster: null,
    upgrade: null,
    available_at: null,
    jellyseerr_request_id: event.kind === 'request' ? event.jellyseerr_request_id : null,
    merged_request_ids: [],
    arr: event.kind === 'request' ? null : event.arr,
    state: 'REQUESTED',
    phase: 'REQUESTED',
    state_since: event.at,
    stuck: null,
    downloads: {},
    file_path: null,
    jellyfin_id: null,
    episodes: {},
    timeline: [
      {
        at: event.at,
        source: event.source,
        to: 'REQUESTED',
        reason:
          event.kind === 'request'
            ? `Requested in Jellyseerr (request #${event.jellyseerr_request_id})${event.requested_by ? ` by ${event.requested_by}` : ''}`
            : `${event.kind === 'grabbed' ? 'Grabbed' : 'Imported'} in ${opts.labelOf(event.arr.service)} without a Jellyseerr request`,
      },
    ],
    applied: [],
    created_at: event.at,
    updated_at: event.at,
  };
}
