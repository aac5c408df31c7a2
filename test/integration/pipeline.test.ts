/**
 * The workflows end to end with every watcher on: a real tracker (engine, store, aedes,
 * webhook routes), the protocol fakes of Jellyseerr, Radarr, Sonarr, Jellyfin and Shoko
 * and a fake qBittorrent over loopback. Each step changes the fakes as the real services
 * would, sends the webhook they would send, runs one cycle of every watcher, and checks
 * the retained topics.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  episodeId,
  fakeHash,
  jellyseerr,
  radarrDownload,
  radarrGrab,
  radarrMovieAdded,
  sonarrImportComplete,
  range,
  sonarrDownload,
  sonarrGrab,
  sonarrSeriesAdd,
  type MovieSpec,
  type ShowSpec,
} from '../../src/demo/payloads.js';
import type { EpisodePayload } from '../../src/contract/index.js';
import { createJellyfinFake, shokofinIds } from '../fakes/jellyfin.js';
import { createJellyseerrFake } from '../fakes/jellyseerr.js';
import { createRadarrFake } from '../fakes/radarr.js';
import { createShokoFake } from '../fakes/shoko.js';
import { createSonarrFake } from '../fakes/sonarr.js';
import { FakeQbittorrent } from '../helpers/qbittorrent.js';
import { timelineText, world, type World } from './support.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function pipeline() {
  const js = createJellyseerrFake();
  const radarr = createRadarrFake();
  const sonarr = createSonarrFake();
  const jf = createJellyfinFake();
  const shoko = createShokoFake();
  const qb = await FakeQbittorrent.start({ flavour: '5.2' });
  const [jsUrl, radarrUrl, sonarrUrl, jfUrl, shokoUrl] = [(await js.start()).url, (await radarr.start()).url, (await sonarr.start()).url, (await jf.start()).url, (await shoko.start()).url];
  closers.push(
    () => js.stop(),
    () => radarr.stop(),
    () => sonarr.stop(),
    () => jf.stop(),
    () => shoko.stop(),
    () => qb.close(),
  );
  const hour = 3600;
  const w: World = await world({
    jellyseerr: { url: jsUrl, api_key: js.state.apiKey },
    radarr: [{ name: 'radarr', url: radarrUrl, api_key: radarr.state.apiKey }],
    sonarr: [{ name: 'sonarr', url: sonarrUrl, api_key: sonarr.state.apiKey }],
    qbittorrent: [{ name: 'qbittorrent', url: qb.url, username: qb.username, password: qb.password }],
    jellyfin: { url: jfUrl, api_key: jf.state.apiKey },
    shoko: { url: shokoUrl, api_key: shoko.state.apiKeys[0] },
    // Long intervals: the test runs every cycle itself, in a fixed order.
    intervals: { qbittorrent_s: hour, arr_s: hour, downloads_s: hour, jellyfin_s: hour, jellyseerr_s: hour },
  });
  const names = w.h.tracker.watchers.map((x) => x.name);
  expect(names).toEqual(expect.arrayContaining(['qbittorrent/qbittorrent', 'radarr/radarr/reconcile', 'sonarr/sonarr/reconcile', 'jellyseerr/reconcile', 'jellyfin', 'shoko', 'stuck']));
  /** One cycle of every watcher, in pipeline order. */
  const cycle = async () => {
    for (const name of ['jellyseerr/reconcile', 'radarr/radarr/reconcile', 'sonarr/sonarr/reconcile', 'qbittorrent/qbittorrent', 'jellyfin', 'stuck']) {
      await w.h.tracker.watchers.find((x) => x.name === name)!.poke!();
    }
  };
  await cycle();
  const shokoWatcher = w.h.tracker.watchers.find((x) => x.name === 'shoko')!;
  await w.rec.until(() => shokoWatcher.status().healthy, 'the SignalR connection to Shoko');
  for (const s of w.h.tracker.watchers.map((x) => x.status())) expect(s.last_error, `${s.name}: ${s.last_error}`).toBeNull();
  // Each watcher's health is an HA diagnostic entity fed by media/bridge/info.
  const health = await w.rec.until(() => w.rec.json('homeassistant/binary_sensor/media_tracker/bridge_watcher_shoko/config'), 'the Shoko health entity');
  expect(health).toMatchObject({
    name: 'shoko connection',
    state_topic: 'media/bridge/info',
    device_class: 'connectivity',
    entity_category: 'diagnostic',
  });
  await w.rec.until(
    () => w.rec.json<{ watchers: Array<{ name: string; healthy: boolean }> }>('media/bridge/info')?.watchers.find((x) => x.name === 'shoko')?.healthy,
    'shoko healthy on media/bridge/info',
  );
  /** A season requested in Jellyseerr and added to Sonarr with four episodes per season, reconciled to SEARCHING. */
  const searching = async (show: ShowSpec): Promise<void> => {
    js.addRequest(show, { status: 2, mediaStatus: 3 });
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', show));
    sonarr.addSeries(show, { episodesPerSeason: 4 });
    await w.send('/hooks/sonarr', sonarrSeriesAdd(show));
    await cycle();
    await w.rec.untilState(`jellyseerr-${show.requestId}`, 'SEARCHING');
  };
  return { w, js, radarr, sonarr, jf, qb, shoko, cycle, searching };
}

describe('with every watcher on', () => {
  it('regular movie: Jellyseerr → Radarr → qBittorrent → import → Jellyfin, to AVAILABLE', async () => {
    const { w, js, radarr, jf, qb, cycle } = await pipeline();
    const { send, rec } = w;
    const m: MovieSpec = { requestId: 57, tmdbId: 693134, title: 'Dune: Part Two', year: 2024, radarrId: 412, hash: fakeHash('pipe-dune') };
    const id = 'jellyseerr-57';

    js.addRequest(m, { status: 2, mediaStatus: 3 });
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
    await cycle();
    expect(await rec.untilState(id, 'APPROVED')).toMatchObject({ title: 'Dune: Part Two', progress: null, stuck: null });

    radarr.addMovie(m, { hasFile: false });
    await send('/hooks/radarr', radarrMovieAdded(m));
    await cycle();
    expect(await rec.untilState(id, 'SEARCHING')).toMatchObject({ arr: { service: 'radarr', instance: 'radarr', id: 412 } });

    radarr.addDownload(m.radarrId, m.hash, { sizeleft: 12e9, timeleft: 900 });
    qb.add(m.hash, { progress: 0.25, size: 15_032_385_536, state: 'downloading', dlspeed: 20_000_000, eta: 600 });
    await send('/hooks/radarr', radarrGrab(m));
    await rec.untilState(id, 'GRABBING');
    await cycle();
    let s = await rec.untilState(id, 'DOWNLOADING');
    expect(s).toMatchObject({ progress: 0.25, speed_bps: 20_000_000, eta_s: 600 });

    qb.update(m.hash, { progress: 1, state: 'stalledUP', amount_left: 0, dlspeed: 0, eta: 8_640_000 });
    await cycle();
    s = await rec.untilState(id, 'DOWNLOADED');
    expect(s.progress).toBe(1);

    radarr.importMovie(m.radarrId);
    radarr.removeDownload(m.hash);
    await send('/hooks/radarr', radarrDownload(m));
    await cycle();
    s = await rec.untilState(id, 'IMPORTING');
    expect(s.jellyfin_id).toBeNull();

    const item = jf.addMovie({ name: m.title, year: m.year, tmdbId: m.tmdbId, file: '/data/movies/Dune Part Two (2024)/Dune Part Two (2024) [Bluray-1080p].mkv' });
    await cycle();
    s = await rec.untilState(id, 'AVAILABLE');
    expect(s).toMatchObject({ jellyfin_id: item.Id, stuck: null, episodes: { total: 1, available: 1 } });
    await rec.untilEvents(id, ['requested', 'approved', 'searching', 'grabbing', 'downloading', 'downloaded', 'importing', 'available']);
    // Nothing moves any more once everything agrees.
    const seq = w.h.tracker.engine.lastSeq;
    await cycle();
    expect(w.h.tracker.engine.lastSeq).toBe(seq);
  });

  it('regular TV with two grabs: per-episode progress, PARTIALLY_AVAILABLE, then AVAILABLE', async () => {
    const { w, sonarr, jf, qb, cycle, searching } = await pipeline();
    const { send, rec } = w;
    const show: ShowSpec = { requestId: 61, tmdbId: 95396, tvdbId: 371980, title: 'Severance', year: 2022, sonarrId: 33, seasons: [1] };
    const id = 'jellyseerr-61';
    const [h1, h2] = [fakeHash('sev-1'), fakeHash('sev-2')];
    const first = range(1, 1, 2);
    const second = range(1, 3, 4);
    const eps = () => rec.json<EpisodePayload[]>(`media/${id}/episodes`) ?? [];

    await searching(show);

    sonarr.addDownload(
      show.sonarrId,
      first.map((e) => episodeId(show, e)),
      h1,
      { sizeleft: 2e9, timeleft: 300 },
    );
    sonarr.addDownload(
      show.sonarrId,
      second.map((e) => episodeId(show, e)),
      h2,
      { sizeleft: 2e9, timeleft: 900 },
    );
    qb.add(h1, { progress: 0.5, size: 2_800_000_000, state: 'downloading', category: 'tv-sonarr' });
    qb.add(h2, { progress: 0.1, size: 2_800_000_000, state: 'stalledDL', num_seeds: 0, category: 'tv-sonarr' });
    await send('/hooks/sonarr', sonarrGrab(show, first, h1));
    await send('/hooks/sonarr', sonarrGrab(show, second, h2));
    await cycle();
    let s = await rec.untilState(id, 'DOWNLOADING');
    expect(s.progress).toBe(0.3);
    expect((s.stuck as { reason: string; source: string } | null)?.reason).toBe('qBittorrent: stalled, 0 seeds');
    expect(eps().map((e) => [e.episode, e.state, e.progress])).toEqual([
      [1, 'DOWNLOADING', 0.5],
      [2, 'DOWNLOADING', 0.5],
      [3, 'DOWNLOADING', 0.1],
      [4, 'DOWNLOADING', 0.1],
    ]);

    qb.update(h1, { progress: 1, state: 'uploading', amount_left: 0 });
    await cycle();
    await rec.until(() => eps().filter((e) => e.state === 'DOWNLOADED').length === 2, 'two episodes downloaded');
    sonarr.importEpisodes(show, first);
    sonarr.removeDownload(h1);
    for (const e of first) await send('/hooks/sonarr', sonarrDownload(show, e, h1));
    const series = jf.addSeries({ name: show.title, year: show.year, tvdbId: show.tvdbId, tmdbId: show.tmdbId });
    for (const e of first) jf.addEpisode(series, { season: 1, episode: e.episode, file: `/data/tv/Severance/Season 01/S01E0${e.episode}.mkv` });
    await cycle();
    s = await rec.untilState(id, 'PARTIALLY_AVAILABLE');
    expect(s.episodes).toMatchObject({ total: 4, available: 2 });
    expect(eps().map((e) => [e.episode, e.state])).toEqual([
      [1, 'AVAILABLE'],
      [2, 'AVAILABLE'],
      [3, 'DOWNLOADING'],
      [4, 'DOWNLOADING'],
    ]);

    qb.update(h2, { progress: 1, state: 'stalledUP', amount_left: 0, num_seeds: 3 });
    await cycle();
    s = await rec.until(() => (rec.state(id)?.stuck === null ? rec.state(id) : undefined), 'the stalled flag cleared by qBittorrent');
    sonarr.importEpisodes(show, second);
    sonarr.removeDownload(h2);
    for (const e of second) await send('/hooks/sonarr', sonarrDownload(show, e, h2));
    for (const e of second) jf.addEpisode(series, { season: 1, episode: e.episode, file: `/data/tv/Severance/Season 01/S01E0${e.episode}.mkv` });
    await cycle();
    s = await rec.untilState(id, 'AVAILABLE');
    expect(s.episodes).toMatchObject({ total: 4, available: 4 });
    expect(eps().every((e) => e.state === 'AVAILABLE' && e.jellyfin_id)).toBe(true);
  });

  it('anime movie: import → Shoko match → Shokofin item without TMDB id → AVAILABLE', async () => {
    const { w, js, radarr, jf, qb, shoko, cycle } = await pipeline();
    const { send, rec } = w;
    const m: MovieSpec = { requestId: 70, tmdbId: 791373, title: 'Summer Ghost', year: 2021, radarrId: 500, hash: fakeHash('pipe-summer'), anime: true };
    const id = 'jellyseerr-70';
    const rel = 'movies/Summer Ghost (2021)/Summer Ghost (2021) [Bluray-1080p].mkv';

    js.addRequest(m, { status: 2, mediaStatus: 3 });
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
    radarr.addMovie(m, { hasFile: false });
    radarr.addDownload(m.radarrId, m.hash, { sizeleft: 1e9, timeleft: 60 });
    qb.add(m.hash, { progress: 1, state: 'uploading', amount_left: 0, category: 'radarr' });
    await send('/hooks/radarr', radarrGrab(m));
    await cycle();
    expect(await rec.untilState(id, 'DOWNLOADED')).toMatchObject({ is_anime: true, progress: 1 });

    radarr.importMovie(m.radarrId);
    radarr.removeDownload(m.hash);
    await send('/hooks/radarr', radarrDownload(m));
    await cycle();
    await rec.untilState(id, 'IMPORTING');

    shoko.addFile({ id: 41, locationId: 141, relativePath: rel, xrefs: [{ seriesId: 90, anidbAnimeId: 15000, episodes: [{ id: 900, anidbEpisodeId: 210000 }] }] });
    shoko.emit('ShokoEvent:FileMatched', shoko.fileEventFor(41));
    let s = await rec.untilState(id, 'ANIME_MATCHING');
    expect(s.jellyfin_id).toBeNull();
    await cycle();
    expect(rec.state(id)?.state).toBe('ANIME_MATCHING');

    // Shokofin presents it with Shoko ids only (no Tmdb by default).
    const item = jf.addMovie({
      name: m.title,
      year: m.year,
      providerIds: shokofinIds({ series: 90, episode: 900, file: 41, anidb: 15000 }),
      file: '/config/Shokofin/VFS/movies/Summer Ghost/Summer Ghost [Shoko File 41].mkv',
    });
    await cycle();
    s = await rec.untilState(id, 'AVAILABLE');
    expect(s.jellyfin_id).toBe(item.Id);
    await rec.untilEvents(id, ['requested', 'approved', 'grabbing', 'downloaded', 'importing', 'anime_matching', 'available']);
  });

  it('anime TV: a season pack through Shoko, per episode, to AVAILABLE', async () => {
    const { w, js, sonarr, jf, qb, shoko, cycle } = await pipeline();
    const { send, rec } = w;
    const show: ShowSpec = { requestId: 80, tmdbId: 240411, tvdbId: 433925, title: 'Dan Da Dan', year: 2024, sonarrId: 57, seasons: [1], anime: true };
    const id = 'jellyseerr-80';
    const hash = fakeHash('pipe-dandadan');
    const all = range(1, 1, 3);
    const eps = () => rec.json<EpisodePayload[]>(`media/${id}/episodes`) ?? [];
    const rel = (n: number) => `Dan Da Dan/Season 01/Dan Da Dan - S01E0${n} - Episode ${n} [WEBDL-1080p].mkv`;

    js.addRequest(show, { status: 2, mediaStatus: 3 });
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', show));
    sonarr.addSeries(show, { episodesPerSeason: 3 });
    sonarr.addDownload(
      show.sonarrId,
      all.map((e) => episodeId(show, e)),
      hash,
      { sizeleft: 1e9, timeleft: 120 },
    );
    qb.add(hash, { progress: 0.4, size: 4_200_000_000, state: 'downloading', category: 'tv-sonarr' });
    await send('/hooks/sonarr', sonarrGrab(show, all, hash, '[SubsPlease] Dandadan (01-03) (1080p) [Batch]'));
    await cycle();
    expect(await rec.untilState(id, 'DOWNLOADING')).toMatchObject({ is_anime: true, progress: 0.4 });

    qb.update(hash, { progress: 1, state: 'stalledUP', amount_left: 0 });
    sonarr.importEpisodes(show, all);
    sonarr.removeDownload(hash);
    await send('/hooks/sonarr', sonarrImportComplete(show, all, hash));
    await cycle();
    await rec.untilState(id, 'IMPORTING');

    for (const e of all) {
      shoko.addFile({
        id: 200 + e.episode,
        locationId: 300 + e.episode,
        relativePath: rel(e.episode),
        xrefs: [{ seriesId: 91, anidbAnimeId: 17000, episodes: [{ id: 910 + e.episode, anidbEpisodeId: 280000 + e.episode }] }],
      });
      shoko.emit('ShokoEvent:FileMatched', shoko.fileEventFor(200 + e.episode));
    }
    await rec.until(() => eps().length === 3 && eps().every((e) => e.state === 'ANIME_MATCHING'), 'every episode matched in Shoko');
    await rec.untilState(id, 'ANIME_MATCHING');

    const series = jf.addSeries({ name: show.title, year: show.year, providerIds: shokofinIds({ series: 91, anidb: 17000 }) });
    for (const e of all.slice(0, 2)) {
      jf.addEpisode(series, {
        season: 1,
        episode: e.episode,
        providerIds: shokofinIds({ series: 91, episode: 910 + e.episode, file: 200 + e.episode }),
        file: `/vfs/Dan Da Dan/S01E0${e.episode}.mkv`,
      });
    }
    await cycle();
    let s = await rec.untilState(id, 'PARTIALLY_AVAILABLE');
    expect(eps().map((e) => [e.episode, e.state])).toEqual([
      [1, 'AVAILABLE'],
      [2, 'AVAILABLE'],
      [3, 'ANIME_MATCHING'],
    ]);
    jf.addEpisode(series, { season: 1, episode: 3, providerIds: shokofinIds({ series: 91, episode: 913, file: 203 }), file: '/vfs/Dan Da Dan/S01E03.mkv' });
    await cycle();
    s = await rec.untilState(id, 'AVAILABLE');
    expect(s.episodes).toMatchObject({ total: 3, available: 3 });
  });

  it('a re-request of a movie Radarr already has: no webhook at all, reconciliation and Jellyfin carry it to AVAILABLE', async () => {
    const { w, js, radarr, jf, cycle } = await pipeline();
    const { send, rec } = w;
    const m: MovieSpec = { requestId: 14, tmdbId: 1_044_547, title: 'Chainsaw Man – The Movie: Reze Arc', year: 2025, radarrId: 77, hash: fakeHash('reze') };
    radarr.addMovie(m, { hasFile: true });
    const item = jf.addMovie({ name: m.title, year: m.year, tmdbId: m.tmdbId, file: '/data/movies/Reze Arc (2025)/Reze Arc (2025).mkv' });
    js.addRequest(m, { status: 2, mediaStatus: 5 });
    // Jellyseerr sees hasFile and returns at once: Radarr sends nothing (docs/upstreams.md §2.4).
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
    await rec.untilState('jellyseerr-14', 'APPROVED');
    await cycle();
    const s = await rec.untilState('jellyseerr-14', 'AVAILABLE');
    expect(s).toMatchObject({ jellyfin_id: item.Id, arr: { service: 'radarr', id: 77 } });
    expect(timelineText(rec, 'jellyseerr-14')).toContain('file found in Radarr; no import event was received');
  });

  it('retry on a failed movie resets tracking and asks Radarr to search again', async () => {
    const { w, js, radarr, cycle } = await pipeline();
    const { send, rec } = w;
    const m: MovieSpec = { requestId: 90, tmdbId: 4935, title: 'Howl’s Moving Castle', year: 2004, radarrId: 88, hash: fakeHash('howl') };
    js.addRequest(m, { status: 2, mediaStatus: 3 });
    radarr.addMovie(m, { hasFile: false });
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
    await send('/hooks/radarr', radarrMovieAdded(m));
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_FAILED', m));
    await cycle();
    await rec.untilState('jellyseerr-90', 'FAILED');
    await rec.client.subscribeAsync('media/+/response', { qos: 1 });
    await rec.client.publishAsync('media/jellyseerr-90/set/retry', JSON.stringify({ transaction: 't1' }), { qos: 1 });
    const reply = await rec.until(() => rec.json<{ status: string; search?: string }>('media/jellyseerr-90/response'), 'retry answer');
    expect(reply).toMatchObject({ status: 'ok', search: 'radarr/radarr: MoviesSearch sent' });
    expect(radarr.state.commands.at(-1)).toMatchObject({ name: 'MoviesSearch', body: { movieIds: [88] } });
    await rec.untilState('jellyseerr-90', 'SEARCHING');
  });

  it('search again on a season asks Sonarr for the missing episodes only, and leaves the tracking as it is', async () => {
    const { w, sonarr, qb, cycle, searching } = await pipeline();
    const { send, rec } = w;
    const show: ShowSpec = { requestId: 63, tmdbId: 95397, tvdbId: 371981, title: 'Pluribus', year: 2025, sonarrId: 35, seasons: [1] };
    const id = 'jellyseerr-63';
    const h = fakeHash('plur-1');
    await searching(show);
    // Episodes 1–2 are downloading; 3–4 have no release yet.
    const grabbed = range(1, 1, 2);
    sonarr.addDownload(
      show.sonarrId,
      grabbed.map((e) => episodeId(show, e)),
      h,
      { sizeleft: 2e9, timeleft: 300 },
    );
    qb.add(h, { progress: 0.4, size: 2_800_000_000, state: 'downloading', category: 'tv-sonarr' });
    await send('/hooks/sonarr', sonarrGrab(show, grabbed, h));
    await cycle();
    await rec.untilState(id, 'DOWNLOADING');
    const before = rec.json<{ state: string; state_since: string }>(`media/${id}/state`)!;

    await rec.client.subscribeAsync('media/+/response', { qos: 1 });
    await rec.client.publishAsync(`media/${id}/set/search`, 'PRESS', { qos: 1 });
    const reply = await rec.until(() => rec.json<{ action: string; status: string; search?: string }>(`media/${id}/response`), 'the answer to search');
    expect(reply).toMatchObject({ action: 'search', status: 'ok', search: 'sonarr/sonarr: EpisodeSearch sent' });
    expect(sonarr.state.commands.at(-1)).toMatchObject({ name: 'EpisodeSearch', body: { episodeIds: range(1, 3, 4).map((e) => episodeId(show, e)) } });
    // Nothing of the tracking changed: same state, same moment.
    await cycle();
    expect(rec.json<{ state: string; state_since: string }>(`media/${id}/state`)).toMatchObject({ state: 'DOWNLOADING', state_since: before.state_since });
  });
});
