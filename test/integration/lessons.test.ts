/**
 * Scenarios from the previous tracker's failures (docs/lessons.md), replayed through
 * the real webhook routes; each asserts the retained MQTT topics and the HA discovery.
 */
import { describe, expect, it } from 'vitest';
import {
  fakeHash,
  jellyseerr,
  radarrDownload,
  radarrGrab,
  radarrMovieAdded,
  radarrMovieDelete,
  range,
  sonarrDownload,
  sonarrEpisodeFileDelete,
  sonarrGrab,
  sonarrImportComplete,
  sonarrManualInteraction,
  sonarrSeriesDelete,
  type MovieSpec,
  type ShowSpec,
} from '../../src/demo/payloads.js';
import { expectDevice, stateNames, timelineText, world } from './support.js';

const movie = (n: number, extra: Partial<MovieSpec> = {}): MovieSpec => ({
  requestId: n,
  tmdbId: 1000 + n,
  title: `Movie ${n}`,
  year: 2020,
  radarrId: 300 + n,
  hash: fakeHash(`movie-${n}`),
  ...extra,
});
const show = (n: number, extra: Partial<ShowSpec> = {}): ShowSpec => ({
  requestId: n,
  tmdbId: 5000 + n,
  tvdbId: 9000 + n,
  title: `Show ${n}`,
  year: 2021,
  sonarrId: 40 + n,
  seasons: [1],
  ...extra,
});
type Ep = { season: number; episode: number; state: string; progress: number | null; file: string | null };

describe('correlation (A1, A2, A4, A5, A6, A10)', () => {
  it('A1/A2: a re-request of finished media is a new request; the same hash does not touch the old one', async () => {
    const { send, rec } = await world();
    const m = movie(11);
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
    await send('/hooks/radarr', radarrGrab(m));
    await send('/hooks/radarr', radarrDownload(m));
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AVAILABLE', m));
    const old = await rec.untilState('jellyseerr-11', 'AVAILABLE');

    const again = { ...m, requestId: 14 };
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', again));
    await rec.untilState('jellyseerr-14', 'APPROVED');
    // Same release, same hash: it must land on the new request.
    await send('/hooks/radarr', radarrGrab(again));
    await send('/hooks/radarr', radarrDownload(again));
    await rec.untilState('jellyseerr-14', 'IMPORTING');
    expect(rec.state('jellyseerr-11')).toEqual(old);
    await expectDevice(rec, 'jellyseerr-14', { tv: false, name: 'Movie 11 (2020)' });
  });

  it('A10: a follow-up notification for a request never seen before creates it (upsert)', async () => {
    const { send, rec } = await world();
    const m = movie(12);
    const res = await send('/hooks/jellyseerr', jellyseerr('MEDIA_AVAILABLE', m));
    expect(res.results).toMatchObject([{ status: 'accepted', request_ids: ['jellyseerr-12'] }]);
    const s = await rec.untilState('jellyseerr-12', 'AVAILABLE');
    expect(s).toMatchObject({ title: 'Movie 12', year: 2020, tmdb_id: 1012, requested_by: 'alice' });
    await expectDevice(rec, 'jellyseerr-12', { tv: false, name: 'Movie 12 (2020)' });
  });

  it('A4: two open requests for the same movie: events go to the newest, deterministically, never a 500', async () => {
    const { send, rec } = await world();
    const a = movie(20, { requestedBy: 'alice' });
    const b = { ...a, requestId: 21, requestedBy: 'bob' };
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_PENDING', a));
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', b));
    await rec.untilState('jellyseerr-21', 'APPROVED');
    await send('/hooks/radarr', radarrGrab(a));
    await rec.untilState('jellyseerr-21', 'GRABBING');
    expect(rec.state('jellyseerr-20')?.state).toBe('REQUESTED');
    await expectDevice(rec, 'jellyseerr-20', { tv: false, name: 'Movie 20 (2020)' });
    await expectDevice(rec, 'jellyseerr-21', { tv: false, name: 'Movie 20 (2020)' });
  });

  it('A5: a second Jellyseerr request for another season is a separate request and gets its own episodes', async () => {
    const { send, rec } = await world();
    const s1 = show(30, { seasons: [1] });
    const s2 = { ...s1, requestId: 31, seasons: [2] };
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', s1));
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', s2));
    await send('/hooks/sonarr', sonarrGrab(s1, range(1, 1, 8), fakeHash('s1')));
    await send('/hooks/sonarr', sonarrGrab(s1, range(2, 1, 6), fakeHash('s2')));
    await rec.untilState('jellyseerr-31', 'GRABBING');
    await rec.untilState('jellyseerr-30', 'GRABBING');
    const e1 = rec.json<Ep[]>('media/jellyseerr-30/episodes')!;
    const e2 = rec.json<Ep[]>('media/jellyseerr-31/episodes')!;
    expect(e1.map((e) => e.season)).toEqual(Array(8).fill(1));
    expect(e2.map((e) => e.season)).toEqual(Array(6).fill(2));
    await expectDevice(rec, 'jellyseerr-31', { tv: true, name: 'Show 30 (2021)' });
  });

  it('A6: download ids are compared case-insensitively (upper-case grab, lower-case import)', async () => {
    const { send, rec } = await world();
    const m = movie(40);
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
    await send('/hooks/radarr', radarrGrab(m));
    // A second, unrelated open request for the same movie, newer: only the hash can route the import right.
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', { ...m, requestId: 41 }));
    const download = radarrDownload(m);
    download.downloadId = m.hash.toLowerCase();
    const res = await send('/hooks/radarr', download);
    expect(res.results).toMatchObject([{ request_ids: ['jellyseerr-40'], states: ['IMPORTING'] }]);
    await rec.untilState('jellyseerr-40', 'IMPORTING');
    expect(rec.state('jellyseerr-41')?.state).toBe('APPROVED');
    await expectDevice(rec, 'jellyseerr-40', { tv: false, name: 'Movie 40 (2020)' });
  });

  it('a grab for media nobody requested in Jellyseerr is tracked, and a later Jellyseerr request adopts it', async () => {
    const { send, rec } = await world();
    const m = movie(45);
    const res = await send('/hooks/radarr', radarrGrab(m));
    expect(res.results).toMatchObject([{ request_ids: ['radarr-345'] }]);
    await rec.untilState('radarr-345', 'GRABBING');
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
    const s = await rec.until(() => (rec.state('radarr-345')?.jellyseerr_request_id === 45 ? rec.state('radarr-345') : undefined), 'adoption');
    expect(s).toMatchObject({ state: 'GRABBING', requested_by: 'alice', origin: 'radarr' });
    expect(rec.state('jellyseerr-45')).toBeUndefined();
    await expectDevice(rec, 'radarr-345', { tv: false, name: 'Movie 45 (2020)' });
  });
});

describe('missed and out-of-order events (B4, B11, C1, C2, B13)', () => {
  it('C1/B11: an import arriving before any download progress skips stages and records them', async () => {
    const { send, rec } = await world();
    const m = movie(50);
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
    await send('/hooks/radarr', radarrDownload(m));
    await rec.untilState('jellyseerr-50', 'IMPORTING');
    await rec.untilEvents('jellyseerr-50', ['requested', 'approved', 'importing']);
    expect(timelineText(rec, 'jellyseerr-50')).toContain('(not observed: Searching, Grabbed, Downloading, Downloaded)');
    await expectDevice(rec, 'jellyseerr-50', { tv: false, name: 'Movie 50 (2020)' });
  });

  it('duplicates are idempotent and a late grab after the import does not move the state back', async () => {
    const { send, rec } = await world();
    const m = movie(51);
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
    const dup = await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
    expect(dup.results).toMatchObject([{ status: 'duplicate' }]);
    await send('/hooks/radarr', radarrDownload(m));
    const late = await send('/hooks/radarr', radarrGrab(m));
    expect(late.results).toMatchObject([{ states: ['IMPORTING'] }]);
    const again = await send('/hooks/radarr', radarrDownload(m));
    expect(again.results).toMatchObject([{ status: 'duplicate' }]);
    await rec.until(() => timelineText(rec, 'jellyseerr-51').includes('ignored, already Importing'), 'late grab noted');
    expect(rec.state('jellyseerr-51')?.state).toBe('IMPORTING');
    await rec.untilEvents('jellyseerr-51', ['requested', 'approved', 'importing']);
    expect(stateNames(rec, 'jellyseerr-51')).toEqual(['requested', 'approved', 'importing']);
    await expectDevice(rec, 'jellyseerr-51', { tv: false, name: 'Movie 51 (2020)' });
  });

  it('B4: per-file imports and the later import-complete event for the same files are both handled, idempotently', async () => {
    const { send, rec } = await world();
    const s = show(52);
    const hash = fakeHash('b4');
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', s));
    await send('/hooks/sonarr', sonarrGrab(s, range(1, 1, 4), hash));
    await send('/hooks/sonarr', sonarrDownload(s, { season: 1, episode: 1 }, hash));
    await send('/hooks/sonarr', sonarrImportComplete(s, range(1, 1, 4), hash));
    const eps = await rec.until(() => {
      const list = rec.json<Ep[]>('media/jellyseerr-52/episodes');
      return list?.every((e) => e.state === 'IMPORTING') ? list : undefined;
    }, 'all four imported');
    expect(eps.map((e) => e.file)).toEqual(range(1, 1, 4).map((e) => `Show 52 - S01E0${e.episode} - Episode ${e.episode} [WEBDL-1080p].mkv`));
    await expectDevice(rec, 'jellyseerr-52', { tv: true, name: 'Show 52 (2021)' });
  });

  it('B4: a manual import (no download id) still moves the episodes', async () => {
    const { send, rec } = await world();
    const s = show(53);
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', s));
    await send('/hooks/sonarr', sonarrDownload(s, { season: 1, episode: 3 }, null));
    const st = await rec.untilState('jellyseerr-53', 'IMPORTING');
    expect(st.episodes).toMatchObject({ total: 1 });
    expect(timelineText(rec, 'jellyseerr-53')).toContain('manual import');
    await expectDevice(rec, 'jellyseerr-53', { tv: true, name: 'Show 53 (2021)' });
  });

  it('C2/F2: a second torrent for the same request is tracked alongside the first, without regressing', async () => {
    const { send, rec } = await world();
    const m = movie(54);
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
    await send('/hooks/radarr', radarrGrab(m));
    await send('/hooks/radarr', radarrGrab({ ...m, hash: fakeHash('second') }));
    const st = await rec.until(() => (rec.state('jellyseerr-54')?.downloads === 2 ? rec.state('jellyseerr-54') : undefined), 'two downloads');
    expect(st.state).toBe('GRABBING');
    expect(timelineText(rec, 'jellyseerr-54')).toContain('Another release grabbed by Radarr');
    // The import of the second torrent lands on the same request.
    const dl = radarrDownload({ ...m, hash: fakeHash('second') });
    const res = await send('/hooks/radarr', dl);
    expect(res.results).toMatchObject([{ request_ids: ['jellyseerr-54'] }]);
    await expectDevice(rec, 'jellyseerr-54', { tv: false, name: 'Movie 54 (2020)' });
  });

  it('B13: a declined request becomes DECLINED and later pipeline events do not reopen it', async () => {
    const { send, rec } = await world();
    const m = movie(55);
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_PENDING', m));
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_DECLINED', m));
    await rec.untilState('jellyseerr-55', 'DECLINED');
    await rec.untilEvents('jellyseerr-55', ['requested', 'declined']);
    await expectDevice(rec, 'jellyseerr-55', { tv: false, name: 'Movie 55 (2020)' });
    // A decline is final for correlation: a Radarr grab for the same movie starts a new, Radarr-origin request.
    const res = await send('/hooks/radarr', radarrGrab(m));
    expect(res.results).toMatchObject([{ request_ids: ['radarr-355'] }]);
    expect(rec.state('jellyseerr-55')?.state).toBe('DECLINED');
  });

  it('MEDIA_FAILED marks FAILED; a later grab reopens it as a recorded re-grab', async () => {
    const { send, rec } = await world();
    const m = movie(56);
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_FAILED', m));
    await rec.untilState('jellyseerr-56', 'FAILED');
    await send('/hooks/radarr', radarrGrab(m));
    await rec.untilState('jellyseerr-56', 'GRABBING');
    expect(timelineText(rec, 'jellyseerr-56')).toContain('Re-grabbed after failure');
    await expectDevice(rec, 'jellyseerr-56', { tv: false, name: 'Movie 56 (2020)' });
  });
});

describe('TV and episodes (F1, F5, F6, D16, B5/B6)', () => {
  it('F1: a season pack fans out to one tracked episode per file, all sharing the download', async () => {
    const { send, rec } = await world();
    const s = show(60);
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', s));
    await send('/hooks/sonarr', sonarrGrab(s, range(1, 1, 13), fakeHash('pack')));
    // Episodes are published before the state of the same change, so GRABBING means the list is there.
    await rec.untilState('jellyseerr-60', 'GRABBING');
    const eps = rec.json<Ep[]>('media/jellyseerr-60/episodes')!;
    expect(eps.map((e) => `${e.season}x${e.episode}`)).toEqual(range(1, 1, 13).map((e) => `1x${e.episode}`));
    expect(eps.every((e) => e.state === 'GRABBING' && e.progress === 0)).toBe(true);
    expect(rec.state('jellyseerr-60')).toMatchObject({ downloads: 1, episodes: { total: 13, available: 0 } });
    await expectDevice(rec, 'jellyseerr-60', { tv: true, name: 'Show 60 (2021)' });
  });

  it('D16: episodes of seasons that were not requested are not tracked', async () => {
    const { send, rec } = await world();
    const s = show(61, { seasons: [1] });
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', s));
    await send('/hooks/sonarr', sonarrGrab(s, [...range(1, 1, 3), ...range(2, 1, 2)], fakeHash('multi')));
    // Episodes are published before the state of the same change, so GRABBING means the list is there.
    await rec.untilState('jellyseerr-61', 'GRABBING');
    const eps = rec.json<Ep[]>('media/jellyseerr-61/episodes')!;
    expect(eps.map((e) => e.season)).toEqual([1, 1, 1]);
    expect(timelineText(rec, 'jellyseerr-61')).toContain('not part of this request');
    await expectDevice(rec, 'jellyseerr-61', { tv: true, name: 'Show 61 (2021)' });
  });

  it('F6: a multi-season request tracks the episodes of every requested season', async () => {
    const { send, rec } = await world();
    const s = show(62, { seasons: [1, 2] });
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', s));
    const st = await rec.untilState('jellyseerr-62', 'APPROVED');
    expect(st.requested_seasons).toEqual([1, 2]);
    await send('/hooks/sonarr', sonarrGrab(s, [...range(1, 1, 3), ...range(2, 1, 2)], fakeHash('f6'), 'Show.62.S01-S02.1080p'));
    const grabbed = await rec.untilState('jellyseerr-62', 'GRABBING');
    expect(grabbed.episodes).toMatchObject({ total: 5, available: 0 });
    await send('/hooks/sonarr', sonarrImportComplete(s, range(1, 1, 3), fakeHash('f6')));
    await rec.untilState('jellyseerr-62', 'IMPORTING');
    const eps = rec.json<Ep[]>('media/jellyseerr-62/episodes')!;
    expect(eps.map((e) => `${e.season}x${e.episode}:${e.state}`)).toEqual(['1x1:IMPORTING', '1x2:IMPORTING', '1x3:IMPORTING', '2x1:GRABBING', '2x2:GRABBING']);
    await expectDevice(rec, 'jellyseerr-62', { tv: true, name: 'Show 62 (2021)' });
  });

  it('F5: an import-complete payload maps files to episodes by name, not by position', async () => {
    const { send, rec } = await world();
    const s = show(63);
    const hash = fakeHash('f5');
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', s));
    await send('/hooks/sonarr', sonarrGrab(s, range(1, 1, 3), hash));
    const body = sonarrImportComplete(s, range(1, 1, 3), hash);
    (body.episodeFiles as unknown[]).reverse();
    await send('/hooks/sonarr', body);
    const eps = await rec.until(() => {
      const list = rec.json<Ep[]>('media/jellyseerr-63/episodes');
      return list?.every((e) => e.state === 'IMPORTING') ? list : undefined;
    }, 'imported');
    for (const e of eps) expect(e.file).toContain(`S01E0${e.episode}`);
    await expectDevice(rec, 'jellyseerr-63', { tv: true, name: 'Show 63 (2021)' });
  });

  it('B5/B6: an import blocked in Sonarr flags the request stuck with Sonarr’s words, and fresh evidence clears it', async () => {
    const { send, rec } = await world();
    const s = show(64);
    const hash = fakeHash('blocked');
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', s));
    await send('/hooks/sonarr', sonarrGrab(s, range(1, 1, 2), hash));
    await send('/hooks/sonarr', sonarrManualInteraction(s, range(1, 1, 2), hash, 'Unable to parse file'));
    const st = await rec.untilState('jellyseerr-64', 'DOWNLOADED');
    expect((st.stuck as { reason: string }).reason).toMatch(/import blocked.*Unable to parse file/i);
    await send('/hooks/sonarr', sonarrImportComplete(s, range(1, 1, 2), hash));
    const after = await rec.untilState('jellyseerr-64', 'IMPORTING');
    expect(after.stuck).toBeNull();
    await expectDevice(rec, 'jellyseerr-64', { tv: true, name: 'Show 64 (2021)' });
  });
});

describe('deletion (A8, J9)', () => {
  it('A8: deleting an AVAILABLE movie in Radarr reaches it and fires a deleted event', async () => {
    const { send, rec } = await world();
    const m = movie(70);
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
    await send('/hooks/radarr', radarrMovieAdded(m));
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AVAILABLE', m));
    await rec.untilState('jellyseerr-70', 'AVAILABLE');
    await send('/hooks/radarr', radarrMovieDelete(m));
    const st = await rec.untilState('jellyseerr-70', 'DELETED');
    expect(st.last_reason).toMatch(/Radarr/);
    await rec.untilEvents('jellyseerr-70', ['requested', 'approved', 'searching', 'available', 'deleted']);
    expect(rec.events('jellyseerr-70').at(-1)).toMatchObject({ event_type: 'deleted', from: 'available' });
    await expectDevice(rec, 'jellyseerr-70', { tv: false, name: 'Movie 70 (2020)' });
  });

  it('an episode file deleted from an AVAILABLE series makes it PARTIALLY_AVAILABLE; deleting the series makes it DELETED', async () => {
    const { send, rec } = await world();
    const s = show(71);
    const hash = fakeHash('del');
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', s));
    await send('/hooks/sonarr', sonarrGrab(s, range(1, 1, 3), hash));
    await send('/hooks/sonarr', sonarrImportComplete(s, range(1, 1, 3), hash));
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AVAILABLE', s));
    await rec.untilState('jellyseerr-71', 'AVAILABLE');
    await send('/hooks/sonarr', sonarrEpisodeFileDelete(s, { season: 1, episode: 2 }));
    const st = await rec.untilState('jellyseerr-71', 'PARTIALLY_AVAILABLE');
    expect(st.episodes).toMatchObject({ total: 3, available: 2 });
    const upgrade = await send('/hooks/sonarr', sonarrEpisodeFileDelete(s, { season: 1, episode: 1 }, 'upgrade'));
    expect(upgrade.status).toBe('ignored');
    await send('/hooks/sonarr', sonarrSeriesDelete(s));
    await rec.untilState('jellyseerr-71', 'DELETED');
    const eps = await rec.until(() => {
      const list = rec.json<Ep[]>('media/jellyseerr-71/episodes');
      return list?.every((e) => e.state === 'DELETED') ? list : undefined;
    }, 'all episodes deleted');
    expect(eps).toHaveLength(3);
    await expectDevice(rec, 'jellyseerr-71', { tv: true, name: 'Show 71 (2021)' });
  });
});

describe('privacy and durability (K3, I7, H3)', () => {
  it('K3: the requester e-mail is never stored or published', async () => {
    const { h, send, rec } = await world();
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie(80)));
    await rec.untilState('jellyseerr-80', 'APPROVED');
    for (const m of rec.messages) expect(m.payload).not.toContain('@example.com');
    const { readdir, readFile } = await import('node:fs/promises');
    for (const f of await readdir(h.dataDir)) {
      if (f.endsWith('.json') || f.endsWith('.jsonl')) expect(await readFile(`${h.dataDir}/${f}`, 'utf8')).not.toContain('@example.com');
    }
    await expectDevice(rec, 'jellyseerr-80', { tv: false, name: 'Movie 80 (2020)' });
  });

  it('I7/H3: state survives a restart and a late subscriber gets every retained topic', async () => {
    const { h, send, rec } = await world();
    const s = show(81);
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', s));
    await send('/hooks/sonarr', sonarrGrab(s, range(1, 1, 5), fakeHash('restart')));
    const before = await rec.untilState('jellyseerr-81', 'GRABBING');
    const episodes = rec.latest.get('media/jellyseerr-81/episodes');
    await rec.close();
    await h.restart();
    const { Recorder } = await import('../helpers/tracker.js');
    const late = await Recorder.connect(h.tracker.endpoints.mqttUrl);
    try {
      const after = await late.untilState('jellyseerr-81', 'GRABBING');
      // The same state, the same estimate of when it is watchable; only its countdown has moved on.
      const { watchable_in_s: leftAfter, ...rest } = after;
      const { watchable_in_s: leftBefore, ...was } = before;
      expect(rest).toEqual(was);
      expect(rest.watchable_at).toEqual(expect.any(String));
      expect(Number(leftAfter)).toBeLessThanOrEqual(Number(leftBefore));
      await late.until(() => late.latest.get('media/jellyseerr-81/episodes') === episodes, 'episodes after restart');
      await expectDevice(late, 'jellyseerr-81', { tv: true, name: 'Show 81 (2021)' });
      expect(late.latest.get('media/bridge/state')).toBe('online');
    } finally {
      await late.close();
    }
  });
});
