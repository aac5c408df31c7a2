/**
 * What a store written before schema v2 holds for a season grabbed in two parts: the Jellyseerr
 * request went AVAILABLE after the first half, and the grab of the second half made the orphan
 * request `sonarr-12` (no Jellyseerr request, its own HA device). v1 requests have none of the
 * fields v2 added (`roster`, `is_4k`, `upgrade`, `available_at`, `absorbed_ids`).
 */
import { episodeKey, type Download, type Episode, type MediaRequest, type TimelineEntry } from '../../src/domain/model.js';
import type { EpisodeState } from '../../src/domain/states.js';
import type { Source } from '../../src/domain/events.js';
import { blankRequest } from './requests.js';

export const SONARR_12 = { service: 'sonarr' as const, instance: 'sonarr', id: 12 };
export const FIRST_HALF = 'a1'.repeat(20);
export const SECOND_HALF = 'b2'.repeat(20);

export function v1Episode(episode: number, state: EpisodeState, at: string, hash: string | null = null): Episode {
  return {
    season: 1,
    episode,
    title: `Episode ${episode}`,
    state,
    progress: state === 'DOWNLOADING' ? 0.3 : null,
    hash,
    file_path: null,
    release: null,
    air_date_utc: null,
    sonarr_episode_id: 3300 + episode,
    history: [{ at, state, source: 'sonarr' }],
  };
}

export function v1Download(hash: string, d: Partial<Download> = {}): Record<string, Download> {
  return { [hash]: { hash, progress: 0.3, speed_bps: null, eta_s: null, size: 5_000, complete: false, release: `release-${hash.slice(0, 2)}`, ...d } };
}

type Entry = [at: string, source: Source, reason: string, move?: Pick<TimelineEntry, 'from' | 'to'>];

/** A v1 TV request of the series: episodes `numbers` in `state`, all from download `hash`. */
function part(o: Partial<MediaRequest> & Pick<MediaRequest, 'id' | 'state'>, numbers: number[], hash: string, at: string, entries: Entry[]): MediaRequest {
  const state = o.state === 'AVAILABLE' ? 'AVAILABLE' : 'DOWNLOADING';
  return blankRequest({
    media_type: 'tv',
    title: 'Severance',
    year: 2022,
    tmdb_id: 95396,
    tvdb_id: 371980,
    arr: SONARR_12,
    state_since: at,
    downloads: v1Download(hash, state === 'AVAILABLE' ? { complete: true, progress: 1 } : {}),
    episodes: Object.fromEntries(numbers.map((n) => [episodeKey(1, n), v1Episode(n, state, at, hash)])),
    timeline: entries.map(([when, source, reason, move]) => ({ at: when, source, reason, ...move })),
    created_at: entries[0]![0],
    updated_at: at,
    ...o,
  });
}

export function splitSeason(): { request: MediaRequest; orphan: MediaRequest } {
  const request = part(
    {
      id: 'jellyseerr-5',
      origin: 'jellyseerr',
      jellyseerr_request_id: 5,
      requested_by: 'alice',
      requested_seasons: [1],
      state: 'AVAILABLE',
      phase: 'APPROVED',
      applied: ['jellyseerr:5:approved', 'sonarr:grab:1'],
    },
    [1, 2, 3, 4, 5],
    FIRST_HALF,
    '2026-01-05T00:00:00.000Z',
    [
      ['2026-01-01T00:00:00.000Z', 'jellyseerr', 'Requested in Jellyseerr (request #5) by alice', { to: 'REQUESTED' }],
      ['2026-01-05T00:00:00.000Z', 'jellyfin', 'Playable in Jellyfin', { from: 'IMPORTING', to: 'AVAILABLE' }],
    ],
  );
  // E05 came again in the second release; the request's AVAILABLE E05 is further along.
  const orphan = part(
    { id: 'sonarr-12', origin: 'sonarr', state: 'DOWNLOADING', phase: 'REQUESTED', applied: ['sonarr:grab:2', 'sonarr:grab:1'] },
    [5, 6, 7, 8, 9, 10],
    SECOND_HALF,
    '2026-01-07T00:00:00.000Z',
    [
      ['2026-01-06T00:00:00.000Z', 'sonarr', 'Grabbed in Sonarr without a Jellyseerr request', { to: 'REQUESTED' }],
      ['2026-01-07T00:00:00.000Z', 'qbittorrent', 'Downloading in qBittorrent', { from: 'GRABBING', to: 'DOWNLOADING' }],
    ],
  );
  return { request, orphan };
}
