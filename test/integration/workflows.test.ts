/**
 * The four workflows through the real webhook routes, with a real aedes broker and a
 * real mqtt.js subscriber; every step asserts the retained topics.
 */
import { describe, expect, it } from 'vitest';
import {
  fakeHash,
  jellyseerr,
  radarrDownload,
  radarrGrab,
  radarrMovieAdded,
  range,
  sonarrDownload,
  sonarrGrab,
  sonarrImportComplete,
  sonarrSeriesAdd,
  type MovieSpec,
  type ShowSpec,
} from '../../src/demo/payloads.js';
import { expectDevice, stateNames, timelineText, world } from './support.js';

const dune: MovieSpec = { requestId: 57, tmdbId: 693134, title: 'Dune: Part Two', year: 2024, radarrId: 412, hash: fakeHash('dune') };
const outerBanks: ShowSpec = { requestId: 61, tmdbId: 100757, tvdbId: 362629, title: 'Outer Banks', year: 2020, sonarrId: 12, seasons: [4] };
const summerGhost: MovieSpec = { requestId: 70, tmdbId: 791373, title: 'Summer Ghost', year: 2021, radarrId: 500, hash: fakeHash('summer'), anime: true };
const dandadan: ShowSpec = { requestId: 80, tmdbId: 240411, tvdbId: 433925, title: 'Dan Da Dan', year: 2024, sonarrId: 57, seasons: [1], anime: true };

describe('workflow: regular movie', () => {
  it('goes REQUESTED → APPROVED → SEARCHING → GRABBING → IMPORTING → AVAILABLE with retained state and HA device', async () => {
    const { send, rec } = await world();
    const id = 'jellyseerr-57';
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_PENDING', dune));
    let s = await rec.untilState(id, 'REQUESTED');
    expect(s).toMatchObject({ id, title: 'Dune: Part Two', year: 2024, media_type: 'movie', tmdb_id: 693134, requested_by: 'alice', is_anime: false, progress: null });
    expect(s.poster_url).toBe('https://image.tmdb.org/t/p/w600_and_h900_bestv2/693134.jpg');
    await expectDevice(rec, id, { tv: false, name: 'Dune: Part Two (2024)' });

    await send('/hooks/jellyseerr', jellyseerr('MEDIA_APPROVED', dune));
    await rec.untilState(id, 'APPROVED');
    await send('/hooks/radarr', radarrMovieAdded(dune));
    s = await rec.untilState(id, 'SEARCHING');
    expect(s.arr).toEqual({ service: 'radarr', instance: 'radarr', id: 412 });
    await send('/hooks/radarr', radarrGrab(dune));
    s = await rec.untilState(id, 'GRABBING');
    expect(s).toMatchObject({ progress: 0, downloads: 1 });
    await send('/hooks/radarr', radarrDownload(dune));
    s = await rec.untilState(id, 'IMPORTING');
    expect(s.progress).toBe(1);
    expect(timelineText(rec, id)).toMatch(/Imported by Radarr: Dune: Part Two \(2024\) \[Bluray-1080p\]\.mkv \(not observed: Downloading, Downloaded\)/);
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AVAILABLE', dune));
    s = await rec.untilState(id, 'AVAILABLE');
    expect(s.episodes).toMatchObject({ total: 1, available: 1 });
    await rec.untilEvents(id, ['requested', 'approved', 'searching', 'grabbing', 'importing', 'available']);
    expect(stateNames(rec, id)).toEqual(['requested', 'approved', 'searching', 'grabbing', 'importing', 'available']);
    const last = rec.events(id).at(-1)!;
    expect(last).toMatchObject({ event_type: 'available', from: 'importing', title: 'Dune: Part Two', media_type: 'movie', is_anime: false });
    expect(rec.latest.get('media/bridge/state')).toBe('online');
  });
});

describe('workflow: regular TV with two grabs', () => {
  it('tracks every episode of two grabs and becomes AVAILABLE when the season is reported available', async () => {
    const { send, rec } = await world();
    const id = 'jellyseerr-61';
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', outerBanks));
    let s = await rec.untilState(id, 'APPROVED');
    expect(s).toMatchObject({ media_type: 'tv', tvdb_id: 362629, requested_seasons: [4] });
    await expectDevice(rec, id, { tv: true, name: 'Outer Banks (2020)' });
    await send('/hooks/sonarr', sonarrSeriesAdd(outerBanks));
    await rec.untilState(id, 'SEARCHING');

    const h1 = fakeHash('ob-e1-5');
    const h2 = fakeHash('ob-e6-10');
    await send('/hooks/sonarr', sonarrGrab(outerBanks, range(4, 1, 5), h1));
    s = await rec.untilState(id, 'GRABBING');
    expect(s.episodes).toMatchObject({ total: 5, available: 0 });
    await send('/hooks/sonarr', sonarrGrab(outerBanks, range(4, 6, 10), h2));
    s = await rec.until(() => {
      const st = rec.state(id);
      return st && (st.episodes as { total: number }).total === 10 ? st : undefined;
    }, '10 episodes');
    expect(s.downloads).toBe(2);

    for (const e of range(4, 1, 5)) await send('/hooks/sonarr', sonarrDownload(outerBanks, e, h1));
    type Ep = { season: number; episode: number; state: string; file: string | null };
    const eps = await rec.until(() => {
      const list = rec.json<Ep[]>(`media/${id}/episodes`);
      return list && list.filter((e) => e.state === 'IMPORTING').length === 5 ? list : undefined;
    }, 'five imported episodes');
    expect(rec.state(id)?.state).toBe('IMPORTING');
    expect(eps).toHaveLength(10);
    expect(eps.filter((e) => e.state === 'IMPORTING').map((e) => e.episode)).toEqual([1, 2, 3, 4, 5]);
    expect(eps.filter((e) => e.state === 'GRABBING').map((e) => e.episode)).toEqual([6, 7, 8, 9, 10]);
    expect(eps[0]!.file).toBe('Outer Banks - S04E01 - Episode 1 [WEBDL-1080p].mkv');

    await send('/hooks/sonarr', sonarrImportComplete(outerBanks, range(4, 6, 10), h2));
    await rec.until(() => rec.json<Array<{ state: string }>>(`media/${id}/episodes`)?.every((e) => e.state === 'IMPORTING'), 'all imported');
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AVAILABLE', outerBanks));
    s = await rec.untilState(id, 'AVAILABLE');
    expect(s.episodes).toMatchObject({ total: 10, available: 10 });
  });
});

describe('workflow: anime movie', () => {
  it('detects anime from the Radarr tag and stops at IMPORTING until Shoko/Jellyfin watchers exist', async () => {
    const { send, rec } = await world();
    const id = 'jellyseerr-70';
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', summerGhost));
    await rec.untilState(id, 'APPROVED');
    await send('/hooks/radarr', radarrGrab(summerGhost));
    let s = await rec.untilState(id, 'GRABBING');
    expect(s).toMatchObject({ is_anime: true, anime_source: 'radarr tag "anime"' });
    await expectDevice(rec, id, { tv: false, name: 'Summer Ghost (2021)' });
    const status = rec.json<{ device: { model: string } }>(`homeassistant/sensor/media_tracker/${id}_status/config`)!;
    expect(status.device.model).toBe('Movie request (anime)');
    await send('/hooks/radarr', radarrDownload(summerGhost));
    s = await rec.untilState(id, 'IMPORTING');
    // Import means IMPORTING for anime too; matching in Shoko is a later, separate stage.
    await rec.untilEvents(id, ['requested', 'approved', 'grabbing', 'importing']);
    expect(stateNames(rec, id)).toEqual(['requested', 'approved', 'grabbing', 'importing']);
  });
});

describe('workflow: anime TV', () => {
  it('takes the anime verdict from Sonarr series type and imports a season pack per episode', async () => {
    const { send, rec } = await world();
    const id = 'jellyseerr-80';
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', dandadan));
    await rec.untilState(id, 'APPROVED');
    const hash = fakeHash('dandadan-batch');
    await send('/hooks/sonarr', sonarrGrab(dandadan, range(1, 1, 12), hash, '[SubsPlease] Dandadan (01-12) (1080p) [Batch]'));
    const s = await rec.untilState(id, 'GRABBING');
    expect(s).toMatchObject({ is_anime: true, anime_source: 'sonarr series type "anime"' });
    expect(s.episodes).toMatchObject({ total: 12 });
    await send('/hooks/sonarr', sonarrImportComplete(dandadan, range(1, 1, 12), hash));
    await rec.untilState(id, 'IMPORTING');
    const eps = rec.json<Array<{ state: string; release: string }>>(`media/${id}/episodes`)!;
    expect(eps.every((e) => e.state === 'IMPORTING')).toBe(true);
    expect(eps[0]!.release).toBe('[SubsPlease] Dandadan (01-12) (1080p) [Batch]');
    await expectDevice(rec, id, { tv: true, name: 'Dan Da Dan (2024)' });
  });
});
