/**
 * History from Jellyseerr and the roster it stands in for: a real tracker started on the
 * Jellyseerr (and Sonarr) fakes over loopback; the retained MQTT topics asserted after every step.
 * - First start imports the most recently modified requests in every status (AVAILABLE included),
 *   up to `backfill_limit`; later cycles import what was modified since; an old finished request
 *   gets its state topics but no Home Assistant device.
 * - A back-filled AVAILABLE series that leaves Sonarr is followed to DELETED.
 * - Without Sonarr's API, a TV request's wanted episodes come from Jellyseerr's season episode
 *   counts: PARTIALLY_AVAILABLE until every one of them is in, then AVAILABLE.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fakeHash, jellyseerr, range, sonarrDownload, type MovieSpec, type ShowSpec } from '../../src/demo/payloads.js';
import { Recorder } from '../helpers/tracker.js';
import { createJellyfinFake } from '../fakes/jellyfin.js';
import { createJellyseerrFake } from '../fakes/jellyseerr.js';
import { createSonarrFake } from '../fakes/sonarr.js';
import { world, type World } from './support.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

const QUIET = { intervals: { arr_s: 3600, downloads_s: 3600, jellyseerr_s: 3600, qbittorrent_s: 3600, jellyfin_s: 3600 } };
const DAY = 86_400_000;
const outerBanks: ShowSpec = { requestId: 61, tmdbId: 100757, tvdbId: 362629, title: 'Outer Banks', year: 2020, sonarrId: 12, seasons: [4] };
const dandadan: ShowSpec = { requestId: 80, tmdbId: 240411, tvdbId: 433925, title: 'Dan Da Dan', year: 2024, sonarrId: 57, seasons: [1] };
const film = (i: number): MovieSpec => ({ requestId: 300 + i, tmdbId: 20_000 + i, title: `Film ${i}`, year: 2000 + i, radarrId: 0, hash: fakeHash(`film${i}`) });

async function start<T extends { start(): Promise<{ url: string }>; stop(): Promise<void> }>(fake: T): Promise<T & { url: string }> {
  const { url } = await fake.start();
  cleanup.push(() => fake.stop());
  return Object.assign(fake, { url });
}

const statusConfig = (id: string) => `homeassistant/sensor/media_tracker/${id}_status/config`;
const reconciler = (w: World, name: string) => w.h.tracker.watchers.find((x) => x.name === name)!;

describe('back-fill at first start, then what changed since', () => {
  it('imports the 3 most recent of 5 in every status; the old finished one gets its state but no HA device; later changes follow, across a restart', async () => {
    const js = await start(createJellyseerrFake());
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
    js.addRequest(film(1), { status: 2, mediaStatus: 3, updatedAt: ago(3600_000) }); // open
    js.addRequest(film(2), { status: 2, mediaStatus: 5, updatedAt: ago(2 * DAY) }); // available two days ago
    js.addRequest(film(3), { status: 2, mediaStatus: 5, updatedAt: ago(30 * DAY) }); // available a month ago
    js.addRequest(film(4), { status: 2, mediaStatus: 5, updatedAt: ago(60 * DAY) });
    js.addRequest(film(5), { status: 3, mediaStatus: 1, updatedAt: ago(90 * DAY) });
    const w = await world({ ...QUIET, backfill_limit: 3, jellyseerr: { url: js.url, api_key: js.state.apiKey } });

    // At once after start: the first cycle runs as the tracker starts.
    expect(await w.rec.untilState('jellyseerr-301', 'APPROVED')).toMatchObject({ title: 'Film 1' });
    expect(await w.rec.untilState('jellyseerr-302', 'AVAILABLE')).toMatchObject({ title: 'Film 2' });
    const old = await w.rec.untilState('jellyseerr-303', 'AVAILABLE');
    expect(old).toMatchObject({ title: 'Film 3' });
    expect(Date.parse(String(old.state_since))).toBeLessThan(Date.now() - 29 * DAY);
    await w.rec.until(() => w.rec.latest.get(statusConfig('jellyseerr-302')), 'the HA device of the recent request');
    expect(w.rec.latest.get(statusConfig('jellyseerr-301'))).toBeDefined();
    // Finished a month ago, beyond ha_retention_days (7): MQTT state only.
    expect(w.rec.latest.get(statusConfig('jellyseerr-303'))).toBeUndefined();
    expect(w.rec.state('jellyseerr-304')).toBeUndefined();
    expect(w.rec.state('jellyseerr-305')).toBeUndefined();

    // Restarted: the back-fill is recorded in settings.json, so old requests stay out; a request
    // modified since (Film 4 deleted from the library: Jellyseerr changes it) comes in.
    await w.h.restart();
    const rec = await Recorder.connect(w.h.tracker.endpoints.mqttUrl);
    cleanup.push(() => rec.close());
    const rs = reconciler(w, 'jellyseerr/reconcile');
    await rs.poke!();
    await rec.untilState('jellyseerr-303', 'AVAILABLE');
    expect(rec.state('jellyseerr-304')).toBeUndefined();
    const r4 = js.state.requests.find((r) => r.id === 304)!;
    r4.updatedAt = new Date().toISOString();
    r4.status = 3;
    await rs.poke!();
    await rec.untilState('jellyseerr-304', 'DECLINED');
    expect(rec.state('jellyseerr-305')).toBeUndefined();
    expect(rec.state('jellyseerr-301')).toMatchObject({ state: 'APPROVED' });
  });

  it('an AVAILABLE series imported at first start, then deleted in Sonarr (gone from its list twice) → DELETED', async () => {
    const sonarr = await start(createSonarrFake());
    sonarr.addSeries(outerBanks, { episodesPerSeason: 4 });
    sonarr.importEpisodes(outerBanks, range(4, 1, 4));
    sonarr.addSeries(dandadan, { episodesPerSeason: 2 });
    const js = await start(createJellyseerrFake());
    js.addRequest(outerBanks, { status: 2, mediaStatus: 5, updatedAt: new Date(Date.now() - DAY).toISOString() });
    // The reconcilers' clock: the finished-media check runs at most every 15 minutes when nothing is open.
    let now = Date.now();
    const w = await world(
      { ...QUIET, sonarr: [{ name: 'sonarr', url: sonarr.url, api_key: sonarr.state.apiKey }], jellyseerr: { url: js.url, api_key: js.state.apiKey } },
      {},
      { clock: () => new Date(now) },
    );
    expect(await w.rec.untilState('jellyseerr-61', 'AVAILABLE')).toMatchObject({ title: 'Outer Banks', requested_seasons: [4] });
    const rc = reconciler(w, 'sonarr/sonarr/reconcile');
    await rc.poke!();
    expect(w.rec.state('jellyseerr-61')).toMatchObject({ state: 'AVAILABLE' });

    sonarr.state.series = sonarr.state.series.filter((s) => s.id !== outerBanks.sonarrId);
    now += 16 * 60_000;
    await rc.poke!();
    // Missing once: a series being re-added, or a glitch, is not a deletion yet.
    expect(w.rec.state('jellyseerr-61')).toMatchObject({ state: 'AVAILABLE' });
    // Within 15 minutes nothing is read again.
    const calls = sonarr.log.count();
    await rc.poke!();
    expect(sonarr.log.count()).toBe(calls);
    now += 16 * 60_000;
    await rc.poke!();
    expect((await w.rec.untilState('jellyseerr-61', 'DELETED')).last_reason).toBe('Sonarr: series no longer in Sonarr');
    expect(sonarr.log.entries.slice(calls).map((e) => e.key)).toEqual(['GET /api/v3/series']);
  });
});

describe('the wanted roster from Jellyseerr when no Sonarr API is configured', () => {
  it('PARTIALLY_AVAILABLE until every episode Jellyseerr counts for the requested season is confirmed in Jellyfin, then AVAILABLE', async () => {
    const js = await start(createJellyseerrFake());
    js.addRequest(outerBanks, { status: 2, mediaStatus: 3, episodesPerSeason: 3 });
    const jf = await start(createJellyfinFake());
    const series = jf.addSeries({ name: 'Outer Banks', year: 2020, tvdbId: outerBanks.tvdbId, tmdbId: outerBanks.tmdbId });
    const w = await world({
      ...QUIET,
      backfill_limit: 0,
      jellyseerr: { url: js.url, api_key: js.state.apiKey },
      jellyfin: { url: jf.url, api_key: jf.state.apiKey },
    });
    const jellyfin = reconciler(w, 'jellyfin');
    const rs = reconciler(w, 'jellyseerr/reconcile');
    await rs.poke!(); // the start-up cycle is over
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', outerBanks));
    await w.rec.untilState('jellyseerr-61', 'APPROVED');

    await rs.poke!();
    const listed = await w.rec.until(
      () => {
        const s = w.rec.state('jellyseerr-61');
        return s && s.roster === 'jellyseerr' ? s : undefined;
      },
      () => `the roster from Jellyseerr (${JSON.stringify(w.rec.state('jellyseerr-61'))} ${JSON.stringify(js.log.entries.map((e) => e.key))})`,
    );
    expect(listed).toMatchObject({ state: 'APPROVED', episodes: { total: 3 } });
    // Asked once per request: a later cycle does not look the series up again.
    const lookups = js.log.of('GET /api/v1/tv/:tmdbId').length;
    await rs.poke!();
    expect(js.log.of('GET /api/v1/tv/:tmdbId')).toHaveLength(lookups);

    // Sonarr's import webhooks (no API to read) and Jellyfin's items: two of three episodes.
    for (const e of range(4, 1, 2)) {
      await w.send('/hooks/sonarr', sonarrDownload(outerBanks, e, null));
      jf.addEpisode(series, { season: 4, episode: e.episode });
    }
    await jellyfin.poke!();
    await w.rec.until(
      () => {
        const s = w.rec.state('jellyseerr-61');
        return s && (s.episodes as { by_state: Record<string, number> }).by_state.AVAILABLE === 2 ? s : undefined;
      },
      () => `two episodes available (${JSON.stringify(w.rec.state('jellyseerr-61'))})`,
    );
    expect(w.rec.state('jellyseerr-61')).toMatchObject({ state: 'PARTIALLY_AVAILABLE', episodes: { total: 3 } });

    await w.send('/hooks/sonarr', sonarrDownload(outerBanks, { season: 4, episode: 3 }, null));
    // Imported but not yet in Jellyfin: still partially available.
    await w.rec.until(() => (w.rec.state('jellyseerr-61')?.episodes as { by_state: Record<string, number> } | undefined)?.by_state.IMPORTING === 1, 'the third episode importing');
    expect(w.rec.state('jellyseerr-61')).toMatchObject({ state: 'PARTIALLY_AVAILABLE', episodes: { by_state: { AVAILABLE: 2, IMPORTING: 1 } } });
    jf.addEpisode(series, { season: 4, episode: 3 });
    await jellyfin.poke!();
    expect(await w.rec.untilState('jellyseerr-61', 'AVAILABLE')).toMatchObject({ episodes: { total: 3, by_state: { AVAILABLE: 3 } } });
  });
});

describe('imported history is recorded, not announced', () => {
  it('with Jellyfin checking: a month-old AVAILABLE request becomes AVAILABLE dated a month ago, with no event and no HA device; a fresh one still announces', async () => {
    const js = await start(createJellyseerrFake());
    const jf = await start(createJellyfinFake({ apiKey: 'history-jf-key' }));
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
    js.addRequest(film(6), { status: 2, mediaStatus: 5, updatedAt: ago(30 * DAY) });
    js.addRequest(film(7), { status: 2, mediaStatus: 3, updatedAt: ago(3600_000) });
    jf.addMovie({ name: 'Film 6', year: 2006, tmdbId: film(6).tmdbId });
    const w = await world({ ...QUIET, jellyseerr: { url: js.url, api_key: js.state.apiKey }, jellyfin: { url: jf.url, api_key: 'history-jf-key' } });
    await w.rec.untilState('jellyseerr-307', 'APPROVED');
    await w.rec.until(() => w.rec.state('jellyseerr-306'), 'the imported history');
    await reconciler(w, 'jellyfin').poke!();
    const old = await w.rec.untilState('jellyseerr-306', 'AVAILABLE');
    expect(Date.parse(String(old.state_since))).toBeLessThan(Date.now() - 29 * DAY);
    expect(w.rec.latest.get(statusConfig('jellyseerr-306'))).toBeUndefined();

    // The open one is news when it becomes available: its event is the barrier for the other's absence.
    jf.addMovie({ name: 'Film 7', year: 2007, tmdbId: film(7).tmdbId });
    await reconciler(w, 'jellyfin').poke!();
    await w.rec.untilState('jellyseerr-307', 'AVAILABLE');
    await w.rec.until(() => w.rec.events('jellyseerr-307').some((e) => e.event_type === 'available') || undefined, 'the available event of the fresh request');
    expect(w.rec.events('jellyseerr-306')).toEqual([]);
    expect(w.rec.events('jellyseerr-307').map((e) => e.event_type)).toEqual(['available']);
  });
});
