/** Jellyseerr REST request → events (src/integrations/jellyseerr/map.ts). */
import { describe, expect, it } from 'vitest';
import type { RequestEvent, TrackerEvent, UnstampedEvent } from '../../../../src/domain/events.js';
import type { MediaRequest } from '../../../../src/domain/model.js';
import { createRequest, reduce } from '../../../helpers/reduce.js';
import type { ApiRequest } from '../../../../src/integrations/jellyseerr/api.js';
import { backfillDecision, deletedEvent, detailsOf, isOpenInJellyseerr, JELLYSEERR_DELETED_REASON, requestEvent, requesterOf, requestStatus } from '../../../../src/integrations/jellyseerr/map.js';

const AT = '2025-03-14T10:00:00.000Z';

function apiRequest(over: Partial<ApiRequest> & { mediaStatus?: number } = {}): ApiRequest {
  const { mediaStatus, ...rest } = over;
  return {
    id: 61,
    status: 2,
    type: 'tv',
    is4k: false,
    createdAt: AT,
    updatedAt: AT,
    media: { id: 1061, mediaType: 'tv', tmdbId: 100757, tvdbId: 362629, imdbId: null, status: mediaStatus ?? 3, status4k: 1, externalServiceId: 12 },
    seasons: [{ seasonNumber: 4 }, { seasonNumber: 2 }, { seasonNumber: 4 }],
    requestedBy: { id: 3, displayName: 'alice', email: 'alice@example.com', jellyfinUsername: 'alice', username: null, plexUsername: null },
    ...rest,
  };
}

function created(ev: UnstampedEvent): MediaRequest {
  const e = { ...ev, at: AT } as TrackerEvent;
  if (e.kind !== 'request') throw new Error(e.kind);
  const base = createRequest(`jellyseerr-${e.jellyseerr_request_id}`, e);
  return reduce(base, e, { verifyAvailability: true }).request!;
}

describe('status mapping', () => {
  it.each([
    [1, 3, 'pending'],
    [2, 3, 'approved'],
    [2, 2, 'approved'],
    [2, 4, 'approved'],
    [3, 1, 'declined'],
    [4, 3, 'failed'],
    [2, 5, 'available'],
    [5, 5, 'available'],
    [1, 5, 'available'],
    [3, 5, 'declined'],
    [9, 3, null],
  ] as const)('request %i, media %i → %s', (status, mediaStatus, expected) => {
    expect(requestStatus(apiRequest({ status, mediaStatus }))).toBe(expected);
  });

  it('open in Jellyseerr: pending/approved and the media is not available, blocklisted or deleted', () => {
    expect(isOpenInJellyseerr(apiRequest({ status: 1 }))).toBe(true);
    expect(isOpenInJellyseerr(apiRequest({ status: 2, mediaStatus: 4 }))).toBe(true);
    expect(isOpenInJellyseerr(apiRequest({ status: 2, mediaStatus: 5 }))).toBe(false);
    expect(isOpenInJellyseerr(apiRequest({ status: 2, mediaStatus: 6 }))).toBe(false);
    expect(isOpenInJellyseerr(apiRequest({ status: 3 }))).toBe(false);
    expect(isOpenInJellyseerr(apiRequest({ status: 4 }))).toBe(false);
  });
});

describe('request → event', () => {
  it('a TV request: key, ids, seasons from seasons[].seasonNumber, the display name', () => {
    const ev = requestEvent(apiRequest(), { title: 'Outer Banks', year: 2020 }) as RequestEvent;
    expect(ev).toEqual({
      kind: 'request',
      key: 'jellyseerr:backfill:61:2:3',
      source: 'jellyseerr',
      match: { jellyseerr_request_id: 61, media_type: 'tv', tmdb_id: 100757, tvdb_id: 362629, scope: 'any' },
      jellyseerr_request_id: 61,
      status: 'approved',
      notification_type: 'API_APPROVED',
      media: { media_type: 'tv', title: 'Outer Banks', year: 2020, tmdb_id: 100757, tvdb_id: 362629, imdb_id: null },
      requested_by: 'alice',
      requested_seasons: [2, 4],
      is_4k: false,
      since: AT,
    });
    const r = created(ev);
    expect(r).toMatchObject({ id: 'jellyseerr-61', state: 'APPROVED', title: 'Outer Banks', requested_seasons: [2, 4], requested_by: 'alice', jellyseerr_request_id: 61 });
  });

  it('a movie request has no tvdb id and no seasons', () => {
    const ev = requestEvent(apiRequest({ id: 5, type: 'movie', status: 1, media: { mediaType: 'movie', tmdbId: 693134, tvdbId: null, status: 2 }, seasons: [] })) as RequestEvent;
    expect(ev.match).toEqual({ jellyseerr_request_id: 5, media_type: 'movie', tmdb_id: 693134, scope: 'any' });
    expect(ev.status).toBe('pending');
    expect(ev.requested_seasons).toBeUndefined();
    expect(ev.key).toBe('jellyseerr:backfill:5:1:2');
    expect(created(ev).state).toBe('REQUESTED');
  });

  it('never carries an e-mail address', () => {
    const byEmail = apiRequest({ requestedBy: { id: 4, displayName: 'bob@example.com', email: 'bob@example.com', jellyfinUsername: null } });
    const ev = requestEvent(byEmail) as RequestEvent;
    expect(ev.requested_by).toBe('bob');
    expect(JSON.stringify(ev)).not.toContain('@');
    expect(requesterOf({ displayName: 'carol@example.com', email: 'carol@example.com', jellyfinUsername: 'carol-jf' })).toBe('carol-jf');
    expect(requesterOf({ displayName: '  ', email: 'x@y.z' })).toBeNull();
    expect(requesterOf(null)).toBeNull();
  });

  it('a 4K request: is_4k from the entity, and its status from the 4K copy of the media', () => {
    const uhd = apiRequest({ is4k: true, media: { tmdbId: 693134, mediaType: 'movie', status: 5, status4k: 3 }, type: 'movie', seasons: [] });
    expect(requestStatus(uhd)).toBe('approved');
    expect(isOpenInJellyseerr(uhd)).toBe(true);
    const ev = requestEvent(uhd) as RequestEvent;
    expect(ev.is_4k).toBe(true);
    expect(ev.key).toBe('jellyseerr:backfill:61:2:3');
    expect(created(ev)).toMatchObject({ is_4k: true, state: 'APPROVED' });
    expect(requestStatus({ ...uhd, media: { ...uhd.media, status4k: 5 } })).toBe('available');
  });

  it('an old outcome keeps its date: HA retention counts from when Jellyseerr changed it', () => {
    const old = '2024-01-02T03:04:05.000Z';
    const ev = requestEvent(
      apiRequest({ type: 'movie', status: 3, updatedAt: old, media: { tmdbId: 693134, mediaType: 'movie', status: 1, updatedAt: '2023-12-01T00:00:00.000Z' }, seasons: [] }),
    ) as RequestEvent;
    expect(ev.since).toBe(old);
    expect(created(ev)).toMatchObject({ state: 'DECLINED', state_since: old, created_at: AT });
    // An open request keeps the time the tracker saw it.
    expect(created(requestEvent(apiRequest({ updatedAt: old }))!)).toMatchObject({ state: 'APPROVED', state_since: AT });
  });

  it('unknown type or status → no event', () => {
    expect(requestEvent(apiRequest({ type: null, media: { status: 3, tmdbId: 1 } }))).toBeNull();
    expect(requestEvent(apiRequest({ status: 42 }))).toBeNull();
  });

  it('TMDB details give the title, year and poster', () => {
    expect(detailsOf({ title: 'Dune: Part Two', releaseDate: '2024-02-27', posterPath: '/p.jpg' })).toEqual({
      title: 'Dune: Part Two',
      year: 2024,
      poster_url: 'https://image.tmdb.org/t/p/w600_and_h900_bestv2/p.jpg',
    });
    expect(detailsOf({ name: 'Outer Banks', firstAirDate: '' })).toEqual({ title: 'Outer Banks', year: null, poster_url: null });
    expect(detailsOf(null)).toEqual({});
  });
});

describe('back-fill decisions', () => {
  const tracked = (state: MediaRequest['state']): MediaRequest => ({ ...created(requestEvent(apiRequest())!), state });

  it('creates only what is still open in Jellyseerr', () => {
    expect(backfillDecision(apiRequest({ status: 1 }), undefined)).toBe('create');
    expect(backfillDecision(apiRequest({ status: 2 }), undefined)).toBe('create');
    expect(backfillDecision(apiRequest({ status: 2, mediaStatus: 5 }), undefined)).toBeNull();
    expect(backfillDecision(apiRequest({ status: 3 }), undefined)).toBeNull();
  });

  it('updates tracked requests with outcomes and a missed approval — but never reopens a failed download', () => {
    expect(backfillDecision(apiRequest({ status: 3 }), tracked('REQUESTED'))).toBe('update');
    expect(backfillDecision(apiRequest({ status: 4 }), tracked('APPROVED'))).toBe('update');
    expect(backfillDecision(apiRequest({ status: 2, mediaStatus: 5 }), tracked('IMPORTING'))).toBe('update');
    expect(backfillDecision(apiRequest({ status: 2 }), tracked('REQUESTED'))).toBe('update');
    expect(backfillDecision(apiRequest({ status: 2 }), tracked('FAILED'))).toBeNull();
    expect(backfillDecision(apiRequest({ status: 2 }), tracked('DOWNLOADING'))).toBeNull();
    expect(backfillDecision(apiRequest({ status: 1 }), tracked('REQUESTED'))).toBeNull();
  });

  it('importing (first start, or modified since the last cycle): an unknown request in any status', () => {
    expect(backfillDecision(apiRequest({ status: 2, mediaStatus: 5 }), undefined, undefined, true)).toBe('create');
    expect(backfillDecision(apiRequest({ status: 3 }), undefined, undefined, true)).toBe('create');
    expect(backfillDecision(apiRequest({ status: 2 }), undefined, tracked('AVAILABLE'), true)).toBeNull();
  });

  it('a closed request is only touched by a re-approval after a decline', () => {
    expect(backfillDecision(apiRequest({ status: 2 }), undefined, tracked('AVAILABLE'))).toBeNull();
    expect(backfillDecision(apiRequest({ status: 2 }), undefined, tracked('DECLINED'))).toBe('update');
  });
});

describe('deleted', () => {
  it('matches our request by id, in any state, with the plain reason', () => {
    const r = created(requestEvent(apiRequest())!);
    const ev = deletedEvent(r, 61);
    expect(ev).toEqual({
      kind: 'deleted',
      key: 'jellyseerr:deleted:61',
      source: 'jellyseerr',
      match: { request_id: 'jellyseerr-61', jellyseerr_request_id: 61, media_type: 'tv', scope: 'any' },
      scope: 'media',
      episodes: [],
      reason: JELLYSEERR_DELETED_REASON,
    });
    const after = reduce(r, { ...ev, at: AT } as TrackerEvent, { verifyAvailability: true }).request!;
    expect(after.state).toBe('DELETED');
    expect(after.timeline.at(-1)?.reason).toBe('Jellyseerr: request removed (its availability sync deletes requests whose media disappeared)');
  });
});
