/**
 * Downloads no download-client watcher follows (here SABnzbd, which the tracker cannot watch):
 * their progress comes from the Sonarr/Radarr queue the reconciler reads. A real tracker
 * (journal, engine, aedes, HTTP webhooks), the Radarr/Sonarr fakes on loopback with the queue's
 * real fields (size, sizeleft, timeleft, estimatedCompletionTime, status, trackedDownloadState,
 * downloadClient, protocol, a verbatim `SABnzbd_nzo_…` downloadId), and the tracker's own clock
 * moved by hand. Every step asserts the retained `media/<id>/state` (and `episodes`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EpisodePayload } from '../../src/contract/index.js';
import { episodeId, fakeHash, jellyseerr, radarrDownload, radarrGrab, range, sonarrGrab, sonarrImportComplete, type MovieSpec, type ShowSpec } from '../../src/demo/payloads.js';
import type { UnstampedEvent } from '../../src/domain/events.js';
import type { ArrReconciler } from '../../src/integrations/arr/reconciler.js';
import { parseJellyseerr } from '../../src/integrations/jellyseerr/adapter.js';
import type { Watcher } from '../../src/watchers/loop.js';
import { FakeQbittorrent } from '../helpers/qbittorrent.js';
import { createRadarrFake } from '../fakes/radarr.js';
import { createSonarrFake } from '../fakes/sonarr.js';
import { timelineText, world, type World } from './support.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

const MOVIE_SIZE = 15_032_385_536;
const NZO = 'SABnzbd_nzo_sf78tpj';
const USENET = { protocol: 'usenet', downloadClient: 'SABnzbd' } as const;
const dune: MovieSpec = { requestId: 57, tmdbId: 693134, title: 'Dune: Part Two', year: 2024, radarrId: 412, hash: NZO };
const show: ShowSpec = { requestId: 61, tmdbId: 100757, tvdbId: 362629, title: 'Outer Banks', year: 2020, sonarrId: 12, seasons: [4] };

/** What the *arr's webhook says of a SABnzbd download: its client and its id, verbatim. */
const viaSab = (body: Record<string, unknown>, id: string): Record<string, unknown> => ({ ...body, downloadClient: 'SABnzbd', downloadClientType: 'SABnzbd', downloadId: id });

async function start<F extends { start(): Promise<{ url: string }>; stop(): Promise<void> }>(fake: F): Promise<F & { url: string }> {
  const { url } = await fake.start();
  cleanup.push(() => fake.stop());
  return Object.assign(fake, { url });
}

/** A hand-moved clock, started at the real time (the fakes date `estimatedCompletionTime` by it). */
function handClock() {
  let at = Date.now();
  return { now: () => new Date(at), advance: (ms: number) => void (at += ms) };
}

async function tracker(
  services: { radarr?: { url: string; apiKey: string }; sonarr?: { url: string; apiKey: string }; qbittorrent?: FakeQbittorrent },
  clock = handClock(),
  intervals: Record<string, number> = {},
) {
  const w = await world(
    {
      intervals: { arr_s: 3600, downloads_s: 3600, jellyseerr_s: 3600, qbittorrent_s: 3600, jellyfin_s: 3600, ...intervals },
      ...(services.radarr ? { radarr: [{ name: 'radarr', url: services.radarr.url, api_key: services.radarr.apiKey }] } : {}),
      ...(services.sonarr ? { sonarr: [{ name: 'sonarr', url: services.sonarr.url, api_key: services.sonarr.apiKey }] } : {}),
      ...(services.qbittorrent ? { qbittorrent: [{ name: 'qbittorrent', url: services.qbittorrent.url, username: services.qbittorrent.username, password: services.qbittorrent.password }] } : {}),
    },
    {},
    { clock: clock.now },
  );
  const watcher = (name: string): Watcher => w.h.tracker.watchers.find((x) => x.name === name)!;
  return { w, clock, watcher, reconciler: (service: 'radarr' | 'sonarr') => watcher(`${service}/${service}/reconcile`) as ArrReconciler };
}

/** The requests `fn` sent to a fake, by route. */
async function requestsOf(fake: { log: { count(): number; entries: Array<{ key: string }> } }, fn: () => Promise<unknown>): Promise<string[]> {
  const before = fake.log.count();
  await fn();
  return fake.log.entries.slice(before).map((e) => e.key);
}

async function untilProgress(w: World, id: string, progress: number) {
  return w.rec.until(
    () => {
      const s = w.rec.state(id);
      return s?.progress === progress ? s : undefined;
    },
    `progress ${progress} of ${id} (last: ${JSON.stringify(w.rec.state(id)?.progress)})`,
  );
}

function episodes(w: World, id: string): EpisodePayload[] {
  return w.rec.json<EpisodePayload[]>(`media/${id}/episodes`) ?? [];
}

describe('a usenet movie only the Radarr queue knows', () => {
  it('GRABBING → DOWNLOADING with rising progress, speed and ETA → DOWNLOADED → IMPORTING → AVAILABLE, never flagged stuck while it moves', async () => {
    const radarr = await start(createRadarrFake());
    radarr.addMovie(dune);
    const { w, clock, watcher, reconciler } = await tracker({ radarr: { url: radarr.url, apiKey: radarr.state.apiKey } });
    const rc = reconciler('radarr');
    const stuck = watcher('stuck');
    const id = 'jellyseerr-57';
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', dune));
    await w.send('/hooks/radarr', viaSab(radarrGrab(dune), NZO));
    let s = await w.rec.untilState(id, 'GRABBING');
    // The grab already names the client, and its implementation the protocol.
    expect(s).toMatchObject({ download_client: 'SABnzbd', protocol: 'usenet', progress: 0 });

    // SABnzbd starts: a quarter done, 45 min left.
    radarr.addDownload(dune.radarrId, NZO, { ...USENET, title: 'Dune.Part.Two.2024.1080p.WEB-DL', sizeleft: MOVIE_SIZE * 0.75, timeleft: 2700 });
    expect(await requestsOf(radarr, () => rc.pokeDownloads())).toEqual(['GET /api/v3/queue']);
    s = await w.rec.untilState(id, 'DOWNLOADING');
    expect(s).toMatchObject({ progress: 0.25, size: MOVIE_SIZE, client_state: 'downloading', download_client: 'SABnzbd', protocol: 'usenet', speed_bps: null, stuck: null });
    // The fake dates estimatedCompletionTime by the real time, the tracker reads it on its hand-moved clock (behind by what has elapsed).
    expect(s.eta_s).toBeGreaterThan(2690);
    expect(s.eta_s).toBeLessThanOrEqual(2700 + Math.ceil((Date.now() - clock.now().getTime()) / 1000));
    expect(timelineText(w.rec, id)).toContain("Downloading in SABnzbd (Radarr's queue)");
    // HA reads the client and protocol from the state payload's attributes.
    const sensor = await w.rec.until(() => w.rec.json<{ json_attributes_template: string }>(`homeassistant/sensor/media_tracker/${id}_status/config`), 'the status sensor');
    expect(sensor.json_attributes_template).toContain('"download_client": value_json.download_client, "protocol": value_json.protocol');

    // A minute later the *arr refreshed its queue: half done. Speed = bytes done since / time since.
    clock.advance(60_000);
    radarr.updateDownload(NZO, { sizeleft: MOVIE_SIZE * 0.5, timeleft: 1800 });
    await rc.pokeDownloads();
    s = await untilProgress(w, id, 0.5);
    expect(s.speed_bps).toBe(Math.round((MOVIE_SIZE * 0.25) / 60));

    // The same queue read again (the *arr has not refreshed): nothing new is stored.
    const seq = w.h.tracker.engine.lastSeq;
    await rc.pokeDownloads();
    expect(w.h.tracker.engine.lastSeq).toBe(seq);

    // Long past every stuck threshold since the grab, but the queue keeps moving: never flagged.
    for (const left of [0.4, 0.3, 0.2]) {
      clock.advance(20 * 60_000);
      radarr.updateDownload(NZO, { sizeleft: MOVIE_SIZE * left });
      await rc.pokeDownloads();
      await untilProgress(w, id, Math.round((1 - left) * 10_000) / 10_000);
      await stuck.poke!();
    }
    expect(w.rec.state(id)).toMatchObject({ state: 'DOWNLOADING', stuck: null });
    // Still for longer than `downloading_min` (30): that is a stall, in the monitor's words.
    clock.advance(31 * 60_000);
    await rc.pokeDownloads();
    await stuck.poke!();
    s = await w.rec.until(() => (w.rec.state(id)?.stuck ? w.rec.state(id) : undefined), 'the stall flag');
    expect((s.stuck as { reason: string }).reason).toBe('Download made no progress for 31 min');
    expect(s.speed_bps).toBe(0);
    // Moving again clears it.
    radarr.updateDownload(NZO, { sizeleft: MOVIE_SIZE * 0.1 });
    await rc.pokeDownloads();
    await untilProgress(w, id, 0.9);
    await stuck.poke!();
    await w.rec.until(() => w.rec.state(id)?.stuck === null || undefined, 'the flag cleared');

    // SABnzbd finished: Radarr's queue says completed / importPending.
    clock.advance(60_000);
    radarr.updateDownload(NZO, { status: 'completed', trackedDownloadState: 'importPending', sizeleft: 0, timeleft: 0 });
    await rc.pokeDownloads();
    s = await w.rec.untilState(id, 'DOWNLOADED');
    expect(s).toMatchObject({ progress: 1, speed_bps: null, eta_s: null, stuck: null, download_client: 'SABnzbd', protocol: 'usenet' });
    expect(timelineText(w.rec, id)).toContain("Download complete in SABnzbd (Radarr's queue)");
    radarr.updateDownload(NZO, { trackedDownloadState: 'importing' });
    await rc.pokeDownloads();

    // The import (webhook), the record leaves the queue, then Jellyseerr's word.
    await w.send('/hooks/radarr', viaSab(radarrDownload(dune), NZO));
    await w.rec.untilState(id, 'IMPORTING');
    radarr.removeDownload(NZO);
    await rc.pokeDownloads();
    expect(rc.status().detail).toMatchObject({ queue_only: 0 });
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_AVAILABLE', dune));
    s = await w.rec.untilState(id, 'AVAILABLE');
    expect(s).toMatchObject({ stuck: null, download_client: 'SABnzbd', protocol: 'usenet' });
    expect(timelineText(w.rec, id)).not.toContain('has not started');
  });

  it('a failed usenet download → FAILED with Radarr’s own words; a client warning is a stuck flag that clears', async () => {
    const radarr = await start(createRadarrFake());
    radarr.addMovie(dune);
    const { w, reconciler } = await tracker({ radarr: { url: radarr.url, apiKey: radarr.state.apiKey } });
    const rc = reconciler('radarr');
    const id = 'jellyseerr-57';
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', dune));
    await w.send('/hooks/radarr', viaSab(radarrGrab(dune), NZO));
    await w.rec.untilState(id, 'GRABBING');
    radarr.addDownload(dune.radarrId, NZO, { ...USENET, sizeleft: MOVIE_SIZE * 0.6 });
    await rc.pokeDownloads();
    await w.rec.untilState(id, 'DOWNLOADING');

    // SABnzbd warns (the *arr copies the client's warning status and message).
    radarr.updateDownload(NZO, { status: 'warning', trackedDownloadStatus: 'warning', statusMessages: [{ title: 'Dune.Part.Two.2024', messages: ['Propagating, waiting for the articles'] }] });
    await rc.pokeDownloads();
    let s = await w.rec.until(() => (w.rec.state(id)?.stuck ? w.rec.state(id) : undefined), 'the warning flag');
    expect(s.stuck).toMatchObject({ reason: 'Radarr: Propagating, waiting for the articles', source: 'radarr' });
    expect(s.state).toBe('DOWNLOADING');
    radarr.updateDownload(NZO, { status: 'downloading', trackedDownloadStatus: 'ok', statusMessages: [] });
    await rc.pokeDownloads();
    await w.rec.until(() => w.rec.state(id)?.stuck === null || undefined, 'the warning cleared');

    // SABnzbd gives up: Radarr marks it failedPending with the client's message. One queue read
    // sees it, and the whole snapshot follows at once (not an `arr_s` later).
    radarr.updateDownload(NZO, { status: 'failed', trackedDownloadStatus: 'error', trackedDownloadState: 'failedPending', errorMessage: 'Unpacking failed, write error or disk is full?' });
    const calls = await requestsOf(radarr, () => rc.pokeDownloads());
    expect(calls.sort()).toEqual(['GET /api/v3/history/since', 'GET /api/v3/movie', 'GET /api/v3/queue']);
    s = await w.rec.untilState(id, 'FAILED');
    expect(s.last_reason).toBe('Download failed: Radarr: Unpacking failed, write error or disk is full?');
    // Said once: the next queue reads are a single request and store nothing.
    const seq = w.h.tracker.engine.lastSeq;
    expect((await requestsOf(radarr, () => rc.pokeDownloads())).filter((k) => k !== 'GET /api/v3/queue')).toEqual([]);
    await rc.poke!();
    expect(w.h.tracker.engine.lastSeq).toBe(seq);
  });
});

describe('which downloads the queue reports: the running download clients decide (DownloadClient.covers)', () => {
  it('a torrent qBittorrent holds is qBittorrent’s alone; a SABnzbd download in the same Radarr queue comes from the queue', async () => {
    const radarr = await start(createRadarrFake());
    const qb = await FakeQbittorrent.start({ flavour: '5.2' });
    cleanup.push(async () => void (await qb.close()));
    const arrival: MovieSpec = { requestId: 58, tmdbId: 329865, title: 'Arrival', year: 2016, radarrId: 413, hash: fakeHash('arrival') };
    radarr.addMovie(dune);
    radarr.addMovie(arrival);
    const { w, watcher, reconciler } = await tracker({ radarr: { url: radarr.url, apiKey: radarr.state.apiKey }, qbittorrent: qb });
    const rc = reconciler('radarr');
    const qbWatcher = watcher('qbittorrent/qbittorrent');
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', dune));
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', arrival));
    radarr.addDownload(dune.radarrId, NZO, { ...USENET, sizeleft: MOVIE_SIZE * 0.5 });
    // Radarr's queue still shows the torrent at 10 % (a minute old); qBittorrent says 40 %.
    radarr.addDownload(arrival.radarrId, arrival.hash, { sizeleft: MOVIE_SIZE * 0.9 });
    qb.add(arrival.hash, { progress: 0.4, size: MOVIE_SIZE, state: 'downloading', dlspeed: 10_000_000, eta: 900 });
    await w.send('/hooks/radarr', viaSab(radarrGrab(dune), NZO));
    await w.send('/hooks/radarr', radarrGrab(arrival));
    await w.rec.untilState('jellyseerr-58', 'GRABBING');

    // The grab came after qBittorrent's last poll: the torrent is left to it, the usenet download is not.
    await rc.pokeDownloads();
    expect(await w.rec.untilState('jellyseerr-57', 'DOWNLOADING')).toMatchObject({ progress: 0.5, download_client: 'SABnzbd', protocol: 'usenet' });
    expect(w.rec.state('jellyseerr-58')).toMatchObject({ state: 'GRABBING', progress: 0 });
    await qbWatcher.poke!();
    expect(await w.rec.untilState('jellyseerr-58', 'DOWNLOADING')).toMatchObject({
      progress: 0.4,
      speed_bps: 10_000_000,
      client_state: 'downloading',
      download_client: 'qBittorrent',
      protocol: 'torrent',
    });
    expect(rc.status().detail).toMatchObject({ queue_only: 1 });
    for (let i = 0; i < 2; i++) {
      await rc.pokeDownloads();
      await rc.poke();
    }
    // Radarr's older 10 % never overwrote qBittorrent's 40 %.
    expect(w.rec.state('jellyseerr-58')).toMatchObject({ progress: 0.4, speed_bps: 10_000_000 });
    expect(timelineText(w.rec, 'jellyseerr-58')).toContain('Downloading in qBittorrent');
    expect(timelineText(w.rec, 'jellyseerr-58')).not.toContain("Radarr's queue");
  });
});

describe('a usenet season pack only the Sonarr queue knows (one record per episode)', () => {
  it('every episode DOWNLOADING with the pack’s progress → DOWNLOADED → IMPORTING → AVAILABLE', async () => {
    const sonarr = await start(createSonarrFake());
    sonarr.addSeries(show, { episodesPerSeason: 4 });
    const { w, clock, watcher, reconciler } = await tracker({ sonarr: { url: sonarr.url, apiKey: sonarr.state.apiKey } });
    const rc = reconciler('sonarr');
    const id = 'jellyseerr-61';
    const pack = range(4, 1, 4);
    const nzo = 'SABnzbd_nzo_k3x9pq2a';
    const size = 1_400_000_000 * pack.length;
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', show));
    await rc.poke!();
    await w.send('/hooks/sonarr', viaSab(sonarrGrab(show, pack, nzo), nzo));
    await w.rec.untilState(id, 'GRABBING');

    const records = sonarr.addDownload(
      show.sonarrId,
      pack.map((e) => episodeId(show, e)),
      nzo,
      { ...USENET, sizeleft: size * 0.9, timeleft: 1200 },
    );
    expect(records.map((r) => r.downloadId)).toEqual([nzo, nzo, nzo, nzo]);
    expect(await requestsOf(sonarr, () => rc.pokeDownloads())).toEqual(['GET /api/v3/queue']);
    let s = await w.rec.untilState(id, 'DOWNLOADING');
    expect(s).toMatchObject({ progress: 0.1, size, download_client: 'SABnzbd', protocol: 'usenet' });
    await w.rec.until(
      () => episodes(w, id).every((e) => e.state === 'DOWNLOADING' && e.progress === 0.1) || undefined,
      `every episode at 10 % (${JSON.stringify(episodes(w, id).map((e) => [e.episode, e.state, e.progress]))})`,
    );

    clock.advance(60_000);
    sonarr.updateDownload(nzo, { sizeleft: size * 0.4 });
    await rc.pokeDownloads();
    s = await untilProgress(w, id, 0.6);
    expect(s.speed_bps).toBe(Math.round((size * 0.5) / 60));
    await w.rec.until(() => episodes(w, id).every((e) => e.progress === 0.6) || undefined, 'every episode at 60 %');
    clock.advance(40 * 60_000);
    sonarr.updateDownload(nzo, { sizeleft: size * 0.2 });
    await rc.pokeDownloads();
    await untilProgress(w, id, 0.8);
    await watcher('stuck').poke!();
    expect(w.rec.state(id)?.stuck).toBeNull();

    sonarr.updateDownload(nzo, { status: 'completed', trackedDownloadState: 'importPending', sizeleft: 0 });
    await rc.pokeDownloads();
    await w.rec.untilState(id, 'DOWNLOADED');
    await w.rec.until(() => episodes(w, id).every((e) => e.state === 'DOWNLOADED') || undefined, 'every episode downloaded');

    await w.send('/hooks/sonarr', viaSab(sonarrImportComplete(show, pack, nzo), nzo));
    await w.rec.untilState(id, 'IMPORTING');
    sonarr.removeDownload(nzo);
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_AVAILABLE', show));
    s = await w.rec.untilState(id, 'AVAILABLE');
    expect(s).toMatchObject({ stuck: null, download_client: 'SABnzbd', protocol: 'usenet' });
  });
});

describe('poll cost of queue-only downloads', () => {
  const movieSpec = (i: number): MovieSpec => ({ requestId: 1000 + i, tmdbId: 50_000 + i, title: `Movie ${i}`, year: 2000, radarrId: 5000 + i, hash: `SABnzbd_nzo_m${i}` });
  const requestEvents = (specs: Array<MovieSpec | ShowSpec>): UnstampedEvent[] =>
    specs.flatMap((s) => {
      const r = parseJellyseerr(jellyseerr('MEDIA_AUTO_APPROVED', s), { anime: { tags: [], path_patterns: [] } });
      if (!r.ok) throw new Error('bad payload');
      return r.events;
    });

  it('one queue request per *arr instance per cycle, with 1 and with 500 downloads in flight', async () => {
    const radarr = await start(createRadarrFake());
    const sonarr = await start(createSonarrFake());
    // Sonarr: one series of 500 episodes, each its own usenet download.
    const series: ShowSpec = { requestId: 3000, tmdbId: 70_000, tvdbId: 80_000, title: 'Long Show', year: 2001, sonarrId: 6000, seasons: [1] };
    sonarr.addSeries(series, { episodesPerSeason: 500 });
    const { w, reconciler } = await tracker({ radarr: { url: radarr.url, apiKey: radarr.state.apiKey }, sonarr: { url: sonarr.url, apiKey: sonarr.state.apiKey } });
    const engine = w.h.tracker.engine;
    const rr = reconciler('radarr');
    const sr = reconciler('sonarr');
    const add = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const m = movieSpec(i);
        radarr.addMovie(m);
        radarr.addDownload(m.radarrId, m.hash, { ...USENET, sizeleft: MOVIE_SIZE / 2 });
        sonarr.addDownload(series.sonarrId, [episodeId(series, { season: 1, episode: i + 1 })], `SABnzbd_nzo_s${i}`, { ...USENET, sizeleft: 7e8 });
      }
    };
    const queueOnly = (rc: ArrReconciler) => (rc.status().detail as { queue_only: number }).queue_only;

    add(0, 1);
    await engine.ingest(requestEvents([movieSpec(0), series]));
    // The whole snapshot finds the grabs (no webhook) and their progress.
    await rr.poke();
    await sr.poke();
    await w.rec.untilState('jellyseerr-1000', 'DOWNLOADING');
    await w.rec.untilState('jellyseerr-3000', 'DOWNLOADING');
    expect([queueOnly(rr), queueOnly(sr)]).toEqual([1, 1]);
    const one = { radarr: await requestsOf(radarr, () => rr.pokeDownloads()), sonarr: await requestsOf(sonarr, () => sr.pokeDownloads()) };
    expect(one).toEqual({ radarr: ['GET /api/v3/queue'], sonarr: ['GET /api/v3/queue'] });

    add(1, 500);
    await engine.ingest(requestEvents(Array.from({ length: 499 }, (_, i) => movieSpec(i + 1))));
    await rr.poke();
    await sr.poke();
    expect([queueOnly(rr), queueOnly(sr)]).toEqual([500, 500]);
    for (let i = 0; i < 3; i++) {
      for (const id of ['SABnzbd_nzo_m250', 'SABnzbd_nzo_m499']) radarr.updateDownload(id, { sizeleft: MOVIE_SIZE / (3 + i) });
      const many = { radarr: await requestsOf(radarr, () => rr.pokeDownloads()), sonarr: await requestsOf(sonarr, () => sr.pokeDownloads()) };
      expect(many).toEqual(one);
    }
    // And the progress it read is right.
    await untilProgress(w, 'jellyseerr-1499', 0.8);
    await w.rec.until(() => episodes(w, 'jellyseerr-3000').filter((e) => e.state === 'DOWNLOADING').length === 500 || undefined, '500 episodes downloading');
  });

  it('the loop reads the queue alone every `downloads_s` while a queue-only download is in flight, and only every `arr_s` otherwise', async () => {
    const radarr = await start(createRadarrFake());
    radarr.addMovie(dune);
    // The real clock: the loop's timers run.
    const { w } = await tracker({ radarr: { url: radarr.url, apiKey: radarr.state.apiKey } }, { now: () => new Date(), advance: () => undefined }, { downloads_s: 1 });
    const id = 'jellyseerr-57';
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', dune));
    await new Promise((r) => setTimeout(r, 1500));
    // Nothing in flight: no queue read at the download interval.
    expect(radarr.log.of('GET /api/v3/queue').length).toBeLessThanOrEqual(1);

    radarr.addDownload(dune.radarrId, NZO, { ...USENET, sizeleft: MOVIE_SIZE * 0.5 });
    await w.send('/hooks/radarr', viaSab(radarrGrab(dune), NZO));
    const queueReads = radarr.log.of('GET /api/v3/queue').length;
    const movieReads = radarr.log.of('GET /api/v3/movie').length;
    await w.rec.untilState(id, 'DOWNLOADING', 15_000);
    await w.rec.until(() => radarr.log.of('GET /api/v3/queue').length >= queueReads + 2 || undefined, 'two queue reads at the download interval', 15_000);
    expect(radarr.log.of('GET /api/v3/movie').length).toBe(movieReads);
  });
});
