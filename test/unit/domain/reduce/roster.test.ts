/**
 * The wanted roster and upgrades in the reducer (src/domain/reduce/roster.ts, upgrade.ts): what a TV
 * request waits for, and how a better release of something playable is followed.
 */
import { describe, expect, it } from 'vitest';
import type { EpisodeRef, GrabbedEvent, RosterEvent, TrackerEvent } from '../../../../src/domain/events.js';
import type { MediaRequest } from '../../../../src/domain/model.js';
import { createRequest, reduce } from '../../../helpers/reduce.js';
import { eventPayload } from '../../../../src/features/home-assistant/payloads.js';

let t = 0;
const at = () => new Date(Date.UTC(2026, 11, 1, 12, 0, t++)).toISOString();
let n = 0;
const key = (k: string) => `${k}#${n++}`;
const TRUST = { verifyAvailability: false };
const VERIFY = { verifyAvailability: true };
const SONARR = { service: 'sonarr' as const, instance: 'sonarr', id: 7 };
const RADARR = { service: 'radarr' as const, instance: 'radarr', id: 9 };
const H1 = 'a'.repeat(40);
const H2 = 'b'.repeat(40);

function show(seasons = [1]): MediaRequest {
  const ev: TrackerEvent = {
    kind: 'request',
    key: key('req'),
    source: 'jellyseerr',
    at: at(),
    match: { jellyseerr_request_id: 1, scope: 'any' },
    jellyseerr_request_id: 1,
    status: 'auto_approved',
    notification_type: 'MEDIA_AUTO_APPROVED',
    media: { media_type: 'tv', title: 'Show', tvdb_id: 5 },
    requested_seasons: seasons,
  };
  return reduce(createRequest('jellyseerr-1', ev), ev, TRUST).request!;
}

function roster(eps: Array<[number, number, Partial<{ monitored: boolean; has_file: boolean; air: string }>?]>, from: RosterEvent['from'] = 'sonarr'): TrackerEvent {
  return {
    kind: 'roster',
    key: key('roster'),
    source: from,
    at: at(),
    match: { request_id: 'jellyseerr-1', scope: 'any' },
    from,
    seasons: [...new Set(eps.map(([s]) => s))],
    episodes: eps.map(([season, episode, o = {}]) => ({ season, episode, air_date_utc: o.air ?? '2026-01-01T00:00:00Z', monitored: o.monitored ?? true, has_file: o.has_file ?? false })),
  };
}

const ep = (season: number, episode: number): EpisodeRef => ({ season, episode });
const run = (r: MediaRequest, events: TrackerEvent[], opts = TRUST) => events.reduce((acc, e) => reduce(acc, e, opts).request!, r);
const states = (r: MediaRequest) => Object.fromEntries(Object.entries(r.episodes).map(([k, e]) => [k, e.state]));

function grab(hash: string, eps: EpisodeRef[], media: 'tv' | 'movie' = 'tv', release = 'Release'): GrabbedEvent {
  const arr = media === 'tv' ? SONARR : RADARR;
  return { kind: 'grabbed', key: key('grab'), source: arr.service, at: at(), match: { arr, scope: 'active' }, arr, media: { media_type: media }, hash, release: { title: release }, episodes: eps };
}
function imported(hash: string, eps: EpisodeRef[], media: 'tv' | 'movie' = 'tv'): TrackerEvent {
  const arr = media === 'tv' ? SONARR : RADARR;
  const files = media === 'tv' ? eps.map((e) => ({ path: `/tv/S${e.season}E${e.episode}-${hash.slice(0, 3)}.mkv`, episodes: [e] })) : [{ path: `/movies/m-${hash.slice(0, 3)}.mkv`, episodes: [] }];
  return { kind: 'imported', key: key('imp'), source: arr.service, at: at(), match: { arr, scope: 'active' }, arr, media: { media_type: media }, hash, files, episodes: eps, is_upgrade: false };
}
function available(eps: EpisodeRef[] = []): TrackerEvent {
  return { kind: 'available', key: key('av'), source: 'jellyfin', at: at(), match: { scope: 'active' }, verified: true, episodes: eps, reason: 'Playable in Jellyfin' };
}

describe('roster', () => {
  it('a requested season Sonarr does not monitor yet is still wanted; an episode unmonitored after it was monitored leaves the roster', () => {
    let r = run(show([1]), [
      roster([
        [1, 1],
        [1, 2, { monitored: false }],
        [1, 3],
      ]),
    ]);
    expect(states(r)).toEqual({ S01E01: 'SEARCHING', S01E02: 'SEARCHING', S01E03: 'SEARCHING' });
    r = run(r, [
      roster([
        [1, 1],
        [1, 2],
        [1, 3, { monitored: false }],
      ]),
    ]);
    expect(Object.keys(r.episodes).sort()).toEqual(['S01E01', 'S01E02']);
    expect(r.timeline.at(-1)?.reason ?? '').toMatch(/S01E03 no longer monitored in Sonarr; not waited for/);
    r = run(r, [grab(H1, [ep(1, 1), ep(1, 2)]), imported(H1, [ep(1, 1), ep(1, 2)]), available([ep(1, 1), ep(1, 2)])], VERIFY);
    expect(r.state).toBe('AVAILABLE');
  });

  it('an episode Sonarr deletes before anything happened to it leaves; one already grabbed stays', () => {
    let r = run(show([1]), [
      roster([
        [1, 1],
        [1, 2],
        [1, 3],
      ]),
      grab(H1, [ep(1, 3)]),
    ]);
    r = run(r, [roster([[1, 1]])]);
    expect(states(r)).toEqual({ S01E01: 'SEARCHING', S01E03: 'GRABBING' });
  });

  it('specials only when requested; a request made in Sonarr covers the monitored seasons', () => {
    const made = grab(H1, [ep(2, 1)]);
    let r = reduce(createRequest('sonarr-7', made), made, TRUST).request!;
    r = run(r, [
      {
        ...roster([
          [0, 1],
          [1, 1, { monitored: false }],
          [2, 1],
          [2, 2],
        ]),
        match: { request_id: 'sonarr-7', scope: 'any' },
      },
    ]);
    expect(Object.keys(r.episodes).sort()).toEqual(['S02E01', 'S02E02']);
    const withSpecials = run(show([0, 1]), [
      roster([
        [0, 1],
        [1, 1],
      ]),
    ]);
    expect(Object.keys(withSpecials.episodes).sort()).toEqual(['S00E01', 'S01E01']);
  });

  it("Sonarr's list wins over Jellyseerr's counts", () => {
    let r = run(show([1]), [
      roster(
        [
          [1, 1],
          [1, 2],
          [1, 3],
        ],
        'jellyseerr',
      ),
    ]);
    expect(r.roster?.from).toBe('jellyseerr');
    r = run(r, [
      roster([
        [1, 1],
        [1, 2],
      ]),
    ]);
    expect(r.roster?.from).toBe('sonarr');
    expect(Object.keys(r.episodes).sort()).toEqual(['S01E01', 'S01E02']);
    const again = reduce(
      r,
      roster(
        [
          [1, 1],
          [1, 2],
          [1, 3],
          [1, 4],
        ],
        'jellyseerr',
      ),
      TRUST,
    );
    expect(again.outcome).toBe('unchanged');
  });

  it('unaired episodes keep the request PARTIALLY_AVAILABLE; without a roster, known episodes alone never make it AVAILABLE', () => {
    const r = run(
      show([1]),
      [
        roster([
          [1, 1],
          [1, 2, { air: '2099-01-01T00:00:00Z' }],
        ]),
        grab(H1, [ep(1, 1)]),
        imported(H1, [ep(1, 1)]),
        available([ep(1, 1)]),
      ],
      VERIFY,
    );
    expect(r.state).toBe('PARTIALLY_AVAILABLE');
    const bare = run(show([1]), [grab(H1, [ep(1, 1), ep(1, 2)]), imported(H1, [ep(1, 1), ep(1, 2)]), available([ep(1, 1), ep(1, 2)])], VERIFY);
    expect(bare.state).toBe('PARTIALLY_AVAILABLE');
  });
});

describe('upgrades', () => {
  function movie(): MediaRequest {
    const ev: TrackerEvent = {
      kind: 'request',
      key: key('req'),
      source: 'jellyseerr',
      at: at(),
      match: { jellyseerr_request_id: 2, scope: 'any' },
      jellyseerr_request_id: 2,
      status: 'auto_approved',
      notification_type: 'MEDIA_AUTO_APPROVED',
      media: { media_type: 'movie', title: 'Film', tmdb_id: 3 },
    };
    return run(reduce(createRequest('jellyseerr-2', ev), ev, VERIFY).request!, [grab(H1, [], 'movie'), imported(H1, [], 'movie'), available()], VERIFY);
  }

  it('a movie: the block follows its download and ends with one `upgraded` effect; no second available', () => {
    let r = movie();
    expect(r.state).toBe('AVAILABLE');
    r = run(r, [grab(H2, [], 'movie', 'Film.2160p')], VERIFY);
    expect(r).toMatchObject({ state: 'AVAILABLE', upgrade: { state: 'GRABBING', release: 'Film.2160p', hash: H2 } });
    r = run(
      r,
      [{ kind: 'download_progress', key: 'p', source: 'qbittorrent', at: at(), match: { hash: H2, scope: 'active' }, hash: H2, progress: 0.4, speed_bps: 1, eta_s: 9, size: 10, complete: false }],
      VERIFY,
    );
    expect(r.upgrade).toMatchObject({ state: 'DOWNLOADING', progress: 0.4 });
    r = run(r, [imported(H2, [], 'movie')], VERIFY);
    expect(r.upgrade?.state).toBe('IMPORTING');
    const done = reduce(r, available(), VERIFY);
    expect(done.request).toMatchObject({ state: 'AVAILABLE', upgrade: null });
    expect(done.effects.map((e) => e.type)).toEqual(['upgraded']);
    expect(eventPayload(done.request!, done.effects[0]!)).toMatchObject({ event_type: 'upgraded', release: 'Film.2160p' });
  });

  it('a failed upgrade clears the block; the request stays AVAILABLE', () => {
    const r = run(
      movie(),
      [grab(H2, [], 'movie'), { kind: 'download_failed', key: key('f'), source: 'radarr', at: at(), match: { hash: H2, scope: 'active' }, hash: H2, message: 'no seeds', episodes: [] }],
      VERIFY,
    );
    expect(r).toMatchObject({ state: 'AVAILABLE', upgrade: null });
    expect(r.timeline.at(-1)?.reason).toMatch(/Upgrade failed in Radarr: no seeds; the current file stays available/);
  });

  it('an episode: AVAILABLE keeps its state while its upgrade is followed', () => {
    let r = run(show([1]), [roster([[1, 1]]), grab(H1, [ep(1, 1)]), imported(H1, [ep(1, 1)]), available([ep(1, 1)])], VERIFY);
    expect(r.state).toBe('AVAILABLE');
    r = run(r, [grab(H2, [ep(1, 1)]), imported(H2, [ep(1, 1)])], VERIFY);
    expect(r.episodes.S01E01).toMatchObject({ state: 'AVAILABLE', upgrade: { state: 'IMPORTING' } });
    expect(r.state).toBe('AVAILABLE');
    const done = reduce(r, available([ep(1, 1)]), VERIFY);
    expect(done.effects).toEqual([expect.objectContaining({ type: 'upgraded', episodes: ['S01E01'] })]);
  });
});
