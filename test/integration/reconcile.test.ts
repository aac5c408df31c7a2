/**
 * Reconciliation end to end: a real tracker (journal, engine, aedes, HTTP webhooks), the
 * protocol fakes of Radarr, Sonarr and Jellyseerr on loopback, and the reconcilers driven by
 * `poke()`. Every step asserts the retained `media/<id>/state` (and `media/<id>/episodes`).
 *
 * The reconcilers are not wired into the app yet: when the app has one for an instance
 * (`h.tracker.watchers`, same name) the test uses it, otherwise it builds its own with the
 * tracker's engine as sink and view. Intervals are an hour so that only `poke()` drives them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseJellyseerr } from '../../src/integrations/jellyseerr/adapter.js';
import { episodeId, fakeHash, jellyseerr, radarrGrab, range, sonarrGrab, type MovieSpec, type ShowSpec } from '../../src/demo/payloads.js';
import type { UnstampedEvent } from '../../src/domain/events.js';
import type { Logger } from '../../src/log.js';
import type { EpisodePayload } from '../../src/contract/index.js';
import { createArrReconcilers, MAX_EPISODE_FETCHES } from '../../src/integrations/arr/reconciler.js';
import { radarr as radarrIntegration } from '../../src/integrations/radarr/index.js';
import { sonarr as sonarrIntegration } from '../../src/integrations/sonarr/index.js';
import { JELLYSEERR_DELETED_REASON } from '../../src/integrations/jellyseerr/map.js';
import { createJellyseerrReconciler, MAX_CHECKS, MAX_PAGES, MAX_TITLE_LOOKUPS } from '../../src/integrations/jellyseerr/reconciler.js';
import type { Watcher } from '../../src/watchers/loop.js';
import { createJellyseerrFake } from '../fakes/jellyseerr.js';
import { createRadarrFake } from '../fakes/radarr.js';
import { createSonarrFake } from '../fakes/sonarr.js';
import { timelineText, world, type World } from './support.js';

type RadarrFake = ReturnType<typeof createRadarrFake>;
type SonarrFake = ReturnType<typeof createSonarrFake>;
type JellyseerrFake = ReturnType<typeof createJellyseerrFake>;

const LABELS = { radarr: radarrIntegration.label, sonarr: sonarrIntegration.label };

const dune: MovieSpec = { requestId: 57, tmdbId: 693134, title: 'Dune: Part Two', year: 2024, radarrId: 412, hash: fakeHash('dune') };
const arrival: MovieSpec = { requestId: 58, tmdbId: 329865, title: 'Arrival', year: 2016, radarrId: 413, hash: fakeHash('arrival') };
const outerBanks: ShowSpec = { requestId: 61, tmdbId: 100757, tvdbId: 362629, title: 'Outer Banks', year: 2020, sonarrId: 12, seasons: [4] };
const dandadan: ShowSpec = { requestId: 80, tmdbId: 240411, tvdbId: 433925, title: 'Dan Da Dan', year: 2024, sonarrId: 57, seasons: [1], anime: true };

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

/** A logger that keeps every line (level, text) for assertions. */
function recordingLogger(): Logger & { lines: Array<[string, string]> } {
  const lines: Array<[string, string]> = [];
  const log = {
    lines,
    debug: (m: string) => void lines.push(['debug', m]),
    info: (m: string) => void lines.push(['info', m]),
    warning: (m: string) => void lines.push(['warning', m]),
    error: (m: string) => void lines.push(['error', m]),
    child: () => log,
  };
  return log;
}

async function startRadarr(): Promise<RadarrFake & { url: string }> {
  const fake = createRadarrFake();
  const { url } = await fake.start();
  cleanup.push(() => fake.stop());
  return Object.assign(fake, { url });
}

async function startSonarr(): Promise<SonarrFake & { url: string }> {
  const fake = createSonarrFake();
  const { url } = await fake.start();
  cleanup.push(() => fake.stop());
  return Object.assign(fake, { url });
}

async function startJellyseerr(): Promise<JellyseerrFake & { url: string }> {
  const fake = createJellyseerrFake();
  const { url } = await fake.start();
  cleanup.push(() => fake.stop());
  return Object.assign(fake, { url });
}

const QUIET = { intervals: { arr_s: 3600, downloads_s: 3600, jellyseerr_s: 3600, qbittorrent_s: 3600, jellyfin_s: 3600 } };

/** A tracker configured with the fakes; any wired reconciler's first cycle has settled. */
async function trackerWith(services: { radarr?: { url: string; apiKey: string }; sonarr?: { url: string; apiKey: string }; jellyseerr?: { url: string; apiKey: string } }): Promise<World> {
  const w = await world({
    ...QUIET,
    ...(services.radarr ? { radarr: [{ name: 'radarr', url: services.radarr.url, api_key: services.radarr.apiKey }] } : {}),
    ...(services.sonarr ? { sonarr: [{ name: 'sonarr', url: services.sonarr.url, api_key: services.sonarr.apiKey }] } : {}),
    ...(services.jellyseerr ? { jellyseerr: { url: services.jellyseerr.url, api_key: services.jellyseerr.apiKey } } : {}),
  });
  for (const wt of w.h.tracker.watchers) if (wt.name.endsWith('reconcile')) await wt.poke?.();
  return w;
}

/** The app's reconciler for the instance when it has one, else ours on the tracker's engine. */
function arrReconciler(w: World, service: 'radarr' | 'sonarr', log: Logger = recordingLogger(), extra: { timeoutMs?: number } = {}): Watcher {
  const name = `${service}/${service}/reconcile`;
  const wired = w.h.tracker.watchers.find((x) => x.name === name);
  if (wired && !extra.timeoutMs) return wired;
  const engine = w.h.tracker.engine;
  const made = createArrReconcilers(service, LABELS[service], w.h.options[service], {
    intervalS: 3600,
    sink: engine,
    view: engine,
    log,
    ...extra,
  });
  expect(made.map((m) => m.name)).toEqual([name]);
  cleanup.push(() => made[0]!.stop());
  return made[0]!;
}

function jellyseerrReconciler(w: World, url: string, apiKey: string, log: Logger = recordingLogger(), extra: { timeoutMs?: number } = {}): Watcher {
  const wired = w.h.tracker.watchers.find((x) => x.name === 'jellyseerr/reconcile');
  if (wired && !extra.timeoutMs && url === w.h.options.jellyseerr.url) return wired;
  const engine = w.h.tracker.engine;
  const made = createJellyseerrReconciler({ url, apiKey, intervalS: 3600, sink: engine, view: engine, log, ...extra });
  cleanup.push(() => made.stop());
  return made;
}

/**
 * Jellyseerr's `GET /api/v1/{movie|tv}/{tmdbId}` (TMDB details: the request entity has no
 * title) in front of the fake, which does not serve it; everything else is passed through.
 */
async function withDetails(fake: JellyseerrFake & { url: string }, details: Record<string, Record<string, unknown>>): Promise<string> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      const m = /^\/api\/v1\/(movie|tv)\/(\d+)$/.exec(path);
      if (m && req.method === 'GET') {
        if (req.headers['x-api-key'] !== fake.state.apiKey) return void res.writeHead(403, { 'content-type': 'application/json' }).end('{"status":403}');
        const d = details[`${m[1]}/${m[2]}`];
        if (!d) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Unable to retrieve details."}');
        if (typeof d.__status === 'number') return void res.writeHead(d.__status, { 'content-type': 'application/json' }).end('{"message":"Unable to retrieve movie."}');
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(d));
      }
      const headers: Record<string, string> = {};
      if (typeof req.headers['x-api-key'] === 'string') headers['x-api-key'] = req.headers['x-api-key'];
      const upstream = await fetch(`${fake.url}${req.url ?? ''}`, { method: req.method ?? 'GET', headers });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(await upstream.text());
    })().catch(() => res.writeHead(502).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Nothing was journaled by `fn` (a repeated observation is not stored again). */
async function expectNothingNew(w: World, fn: () => Promise<unknown>): Promise<void> {
  const seq = w.h.tracker.engine.lastSeq;
  await fn();
  expect(w.h.tracker.engine.lastSeq).toBe(seq);
}

function episodes(w: World, id: string): EpisodePayload[] {
  return w.rec.json<EpisodePayload[]>(`media/${id}/episodes`) ?? [];
}

async function untilEpisodes(w: World, id: string, check: (eps: EpisodePayload[]) => boolean, what: string): Promise<EpisodePayload[]> {
  return w.rec.until(
    () => {
      const eps = episodes(w, id);
      return check(eps) ? eps : undefined;
    },
    `${what} (episodes: ${JSON.stringify(episodes(w, id).map((e) => `${e.season}x${e.episode}:${e.state}`))})`,
  );
}

// ---------------------------------------------------------------------------------------------

describe('Radarr reconciliation', () => {
  it('(a) a re-requested movie whose file already exists: Radarr sends nothing, reconciliation moves it to IMPORTING (not AVAILABLE)', async () => {
    const radarr = await startRadarr();
    radarr.addMovie(dune, { hasFile: true });
    radarr.addMovie(arrival);
    const w = await trackerWith({ radarr: { url: radarr.url, apiKey: radarr.state.apiKey } });
    const id = 'jellyseerr-57';
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', dune));
    let s = await w.rec.untilState(id, 'APPROVED');
    expect(s.arr).toBeNull();

    const rc = arrReconciler(w, 'radarr');
    const before = radarr.log.count();
    await rc.poke!();
    expect(radarr.log.count() - before).toBe(3);
    expect(
      radarr.log.entries
        .slice(before)
        .map((e) => e.key)
        .sort(),
    ).toEqual(['GET /api/v3/history/since', 'GET /api/v3/movie', 'GET /api/v3/queue']);
    expect(radarr.log.entries.slice(before).every((e) => e.headers['x-api-key'] === radarr.state.apiKey)).toBe(true);
    s = await w.rec.untilState(id, 'IMPORTING');
    expect(s).toMatchObject({ arr: { service: 'radarr', instance: 'radarr', id: 412 }, tmdb_id: 693134, stuck: null });
    expect(timelineText(w.rec, id)).toMatch(/Imported by Radarr .*Dune: Part Two \(2024\) \[Bluray-1080p\]\.mkv \(not observed: Searching, Grabbed, Downloading, Downloaded\)/);
    expect(w.h.tracker.engine.request(id)?.file_path).toBe('/data/movies/Dune: Part Two (2024)/Dune: Part Two (2024) [Bluray-1080p].mkv');

    // The same file seen again is not news.
    await expectNothingNew(w, () => rc.poke!());
    expect(w.rec.state(id)?.state).toBe('IMPORTING');
    expect(rc.status()).toMatchObject({ healthy: true, last_error: null });
  });

  it('a download the Grab webhook never announced is picked up from the queue, which reports its progress while no qBittorrent holds it', async () => {
    const radarr = await startRadarr();
    radarr.addMovie(dune);
    const w = await trackerWith({ radarr: { url: radarr.url, apiKey: radarr.state.apiKey } });
    const id = 'jellyseerr-57';
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', dune));
    await w.rec.untilState(id, 'APPROVED');
    const rc = arrReconciler(w, 'radarr');
    await expectNothingNew(w, () => rc.poke!());
    expect(w.rec.state(id)?.state).toBe('APPROVED');

    radarr.addDownload(dune.radarrId, dune.hash, { title: 'Dune.Part.Two.2024.1080p.BluRay.x264-GROUP', sizeleft: 5e9 });
    await rc.poke!();
    const s = await w.rec.untilState(id, 'DOWNLOADING');
    expect(s).toMatchObject({ downloads: 1, progress: 0.6674, download_client: 'qBittorrent', protocol: 'torrent', arr: { service: 'radarr', id: 412 } });
    expect(w.h.tracker.engine.trackedHashes().has(dune.hash)).toBe(true);
    expect(timelineText(w.rec, id)).toContain('Grabbed by Radarr: Dune.Part.Two.2024.1080p.BluRay.x264-GROUP');

    // The Grab webhook arriving late is the same fact: a duplicate.
    const res = await w.h.post('/hooks/radarr', radarrGrab(dune));
    expect(res.json).toMatchObject({ results: [expect.objectContaining({ status: 'duplicate' })] });
    await expectNothingNew(w, () => rc.poke!());
  });

  it('(d) a failed download (no webhook exists for it) → FAILED with Radarr’s message', async () => {
    const radarr = await startRadarr();
    radarr.addMovie(dune);
    const w = await trackerWith({ radarr: { url: radarr.url, apiKey: radarr.state.apiKey } });
    const id = 'jellyseerr-57';
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', dune));
    await w.send('/hooks/radarr', radarrGrab(dune));
    await w.rec.untilState(id, 'GRABBING');
    radarr.addDownload(dune.radarrId, dune.hash, {
      status: 'failed',
      trackedDownloadStatus: 'error',
      trackedDownloadState: 'failedPending',
      errorMessage: 'The download is stalled with no connections',
    });
    const rc = arrReconciler(w, 'radarr');
    await rc.poke!();
    const s = await w.rec.untilState(id, 'FAILED');
    expect(s.last_reason).toBe('Download failed: Radarr: The download is stalled with no connections');
    await expectNothingNew(w, () => rc.poke!());

    // Radarr searches again and grabs another release: the request is reopened by that grab.
    const retry = fakeHash('dune-retry');
    radarr.removeDownload(dune.hash);
    radarr.addDownload(dune.radarrId, retry, { title: 'Dune.Part.Two.2024.2160p' });
    await rc.poke!();
    // Grabbed again, and the queue's progress of the new release follows in the same cycle.
    expect((await w.rec.untilState(id, 'DOWNLOADING')).downloads).toBe(2);
    expect(timelineText(w.rec, id)).toContain('Re-grabbed after failure: Dune.Part.Two.2024.2160p');
  });

  it('a movie removed from Radarr (twice absent) → DELETED with the reason', async () => {
    const radarr = await startRadarr();
    radarr.addMovie(dune);
    radarr.addMovie(arrival);
    const w = await trackerWith({ radarr: { url: radarr.url, apiKey: radarr.state.apiKey } });
    const id = 'jellyseerr-57';
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', dune));
    await w.send('/hooks/radarr', radarrGrab(dune));
    await w.rec.untilState(id, 'GRABBING');
    const rc = arrReconciler(w, 'radarr');
    await expectNothingNew(w, () => rc.poke!());

    radarr.state.movies = radarr.state.movies.filter((m) => m.id !== dune.radarrId);
    await expectNothingNew(w, () => rc.poke!());
    expect(w.rec.state(id)?.state).toBe('GRABBING');
    await rc.poke!();
    const s = await w.rec.untilState(id, 'DELETED');
    expect(s.last_reason).toBe('Radarr: movie no longer in Radarr');
  });
});

describe('Sonarr reconciliation', () => {
  it('(b) a season imported by hand in Sonarr (no webhook) → its episodes IMPORTING', async () => {
    const sonarr = await startSonarr();
    sonarr.addSeries(outerBanks, { episodesPerSeason: 4 });
    const w = await trackerWith({ sonarr: { url: sonarr.url, apiKey: sonarr.state.apiKey } });
    const id = 'jellyseerr-61';
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', outerBanks));
    await w.rec.untilState(id, 'APPROVED');

    // The first read of the series gives the request its wanted episodes (the roster).
    const rc = arrReconciler(w, 'sonarr');
    await rc.poke!();
    await untilEpisodes(w, id, (e) => e.length === 4, 'the 4 wanted episodes');
    await w.rec.until(() => w.rec.state(id)?.roster === 'sonarr' || undefined, 'roster from Sonarr');
    expect(w.rec.state(id)).toMatchObject({ state: 'SEARCHING', episodes: { total: 4, by_state: { SEARCHING: 4 } } });
    await expectNothingNew(w, () => rc.poke!());

    // Nothing changed in Sonarr: the episodes are not read again.
    const quiet = sonarr.log.count();
    await rc.poke!();
    expect(
      sonarr.log.entries
        .slice(quiet)
        .map((e) => e.key)
        .sort(),
    ).toEqual(['GET /api/v3/history/since', 'GET /api/v3/queue', 'GET /api/v3/series']);

    sonarr.importEpisodes(outerBanks, range(4, 1, 4));
    await rc.poke!();
    const s = await w.rec.untilState(id, 'IMPORTING');
    expect(s).toMatchObject({ arr: { service: 'sonarr', instance: 'sonarr', id: 12 }, episodes: { total: 4, by_state: { IMPORTING: 4 } } });
    const eps = await untilEpisodes(w, id, (e) => e.length === 4, '4 episodes');
    expect(eps.map((e) => [e.season, e.episode, e.state, e.file])).toEqual(
      range(4, 1, 4).map((e) => [4, e.episode, 'IMPORTING', `Outer Banks - S04E0${e.episode} - Episode ${e.episode} [WEBDL-1080p].mkv`]),
    );
    expect(timelineText(w.rec, id)).toContain('Imported by Sonarr (file found in Sonarr; no import event was received)');
    await expectNothingNew(w, () => rc.poke!());
  });

  it('(c) an import blocked in Sonarr → DOWNLOADED and stuck with Sonarr’s own message; a manual import then clears it', async () => {
    const sonarr = await startSonarr();
    sonarr.addSeries(dandadan, { episodesPerSeason: 3 });
    const w = await trackerWith({ sonarr: { url: sonarr.url, apiKey: sonarr.state.apiKey } });
    const id = 'jellyseerr-80';
    const hash = fakeHash('dandadan-pack');
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', dandadan));
    await w.send('/hooks/sonarr', sonarrGrab(dandadan, range(1, 1, 3), hash, 'Dan.Da.Dan.S01.1080p.WEB-DL'));
    await w.rec.untilState(id, 'GRABBING');

    sonarr.addDownload(
      dandadan.sonarrId,
      range(1, 1, 3).map((e) => episodeId(dandadan, e)),
      hash,
      {
        title: 'Dan.Da.Dan.S01.1080p.WEB-DL',
        status: 'completed',
        sizeleft: 0,
        trackedDownloadStatus: 'warning',
        trackedDownloadState: 'importBlocked',
        statusMessages: [{ title: 'Dan.Da.Dan.S01.1080p.WEB-DL', messages: ['Episode 2x01 was not found in the grabbed release'] }],
      },
    );
    const rc = arrReconciler(w, 'sonarr');
    await rc.poke!();
    const message = 'Sonarr: import blocked — Dan.Da.Dan.S01.1080p.WEB-DL: Episode 2x01 was not found in the grabbed release';
    let s = await w.rec.until(() => {
      const st = w.rec.state(id);
      return st?.state === 'DOWNLOADED' && (st.stuck as { reason?: string } | null)?.reason === message ? st : undefined;
    }, 'DOWNLOADED + stuck');
    expect(s.stuck).toMatchObject({ source: 'sonarr', reason: message });
    expect((await untilEpisodes(w, id, (e) => e.every((x) => x.state === 'DOWNLOADED') && e.length === 3, 'downloaded')).map((e) => e.episode)).toEqual([1, 2, 3]);
    await expectNothingNew(w, () => rc.poke!());

    // The user imports the files by hand (Sonarr sends nothing) and the queue item goes away.
    sonarr.removeDownload(hash);
    sonarr.importEpisodes(dandadan, range(1, 1, 3));
    await rc.poke!();
    s = await w.rec.untilState(id, 'IMPORTING');
    expect(s.stuck).toBeNull();
    const eps = await untilEpisodes(w, id, (e) => e.every((x) => x.state === 'IMPORTING'), 'importing');
    expect(eps.map((e) => e.file)).toEqual(range(1, 1, 3).map((e) => `Dan Da Dan - S01E0${e.episode} - Episode ${e.episode} [WEBDL-1080p].mkv`));
    await expectNothingNew(w, () => rc.poke!());
  });

  it('(d) Sonarr history downloadFailed for the tracked download → the episodes FAILED, unless re-grabbed', async () => {
    const sonarr = await startSonarr();
    sonarr.addSeries(dandadan, { episodesPerSeason: 2 });
    const w = await trackerWith({ sonarr: { url: sonarr.url, apiKey: sonarr.state.apiKey } });
    const id = 'jellyseerr-80';
    const hash = fakeHash('dandadan-bad');
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', dandadan));
    await w.send('/hooks/sonarr', sonarrGrab(dandadan, range(1, 1, 2), hash));
    await w.rec.untilState(id, 'GRABBING');
    for (const e of range(1, 1, 2)) {
      sonarr.addHistory({
        eventType: 'downloadFailed',
        seriesId: dandadan.sonarrId,
        episodeId: episodeId(dandadan, e),
        downloadId: hash,
        data: { message: 'Failed download detected', downloadClient: 'qBittorrent' },
      });
    }
    const rc = arrReconciler(w, 'sonarr');
    await rc.poke!();
    const s = await w.rec.untilState(id, 'FAILED');
    expect(s.last_reason).toBe('Download failed: Sonarr: Failed download detected: S01E01, S01E02');
    expect((await untilEpisodes(w, id, (e) => e.length === 2 && e.every((x) => x.state === 'FAILED'), 'failed')).length).toBe(2);
    await expectNothingNew(w, () => rc.poke!());
  });
});

describe('Jellyseerr reconciliation', () => {
  it('(e) the first start back-fills the recent requests in every status; a request removed in Jellyseerr → DELETED with the reason', async () => {
    const js = await startJellyseerr();
    js.addRequest(dune, { status: 2, mediaStatus: 3 });
    js.addRequest(outerBanks, { status: 1, mediaStatus: 2 });
    js.addRequest(arrival, { status: 3, mediaStatus: 1 }); // declined: history, imported as such
    js.addRequest(dandadan, { status: 2, mediaStatus: 5 }); // available: shown, and followed to a deletion
    const url = await withDetails(js, {
      'movie/693134': { id: 693134, title: 'Dune: Part Two', releaseDate: '2024-02-27', posterPath: '/dune.jpg' },
      'tv/100757': { id: 100757, name: 'Outer Banks', firstAirDate: '2020-04-15', posterPath: '/ob.jpg' },
    });
    const w = await trackerWith({ jellyseerr: { url, apiKey: js.state.apiKey } });
    const rc = jellyseerrReconciler(w, url, js.state.apiKey);
    await rc.poke!();

    let movie = await w.rec.untilState('jellyseerr-57', 'APPROVED');
    expect(movie).toMatchObject({
      title: 'Dune: Part Two',
      year: 2024,
      tmdb_id: 693134,
      jellyseerr_request_id: 57,
      requested_by: 'alice',
      poster_url: 'https://image.tmdb.org/t/p/w600_and_h900_bestv2/dune.jpg',
    });
    const show = await w.rec.untilState('jellyseerr-61', 'REQUESTED');
    expect(show).toMatchObject({ title: 'Outer Banks', year: 2020, media_type: 'tv', tvdb_id: 362629, requested_seasons: [4], requested_by: 'alice' });
    expect(episodes(w, 'jellyseerr-61')).toEqual([]);
    await w.rec.untilState('jellyseerr-58', 'DECLINED');
    await w.rec.untilState('jellyseerr-80', 'AVAILABLE');
    expect(JSON.stringify([movie, show])).not.toContain('@');
    await expectNothingNew(w, () => rc.poke!());

    // The admin declines the pending request while the tracker's webhook was down (B13).
    js.state.requests.find((r) => r.id === 61)!.status = 3;
    js.state.requests.find((r) => r.id === 61)!.updatedAt = new Date().toISOString();
    await rc.poke!();
    expect((await w.rec.untilState('jellyseerr-61', 'DECLINED')).last_reason).toBe('Declined in Jellyseerr');

    // Jellyseerr's availability sync deletes the movie request: GET /request/57 → 404.
    js.deleteRequest(57);
    await rc.poke!();
    movie = await w.rec.untilState('jellyseerr-57', 'DELETED');
    expect(movie.last_reason).toBe(JELLYSEERR_DELETED_REASON);
    expect(js.log.of('GET /api/v1/request/:id').map((e) => e.path)).toEqual(['/api/v1/request/57']);
    await expectNothingNew(w, () => rc.poke!());
  });
});

describe('Jellyseerr back-fill at scale', () => {
  it('more open requests than title look-ups per cycle: the rest follow in catch-up cycles; a TMDB failure costs only the title', async () => {
    const js = await startJellyseerr();
    const specs: MovieSpec[] = Array.from({ length: 25 }, (_, i) => ({ requestId: 200 + i, tmdbId: 10_000 + i, title: `Film ${i}`, year: 1990 + i, radarrId: 0, hash: fakeHash(`f${i}`) }));
    for (const s of specs) js.addRequest(s, { status: 2 });
    const details: Record<string, Record<string, unknown>> = {};
    for (const s of specs) details[`movie/${s.tmdbId}`] = { title: s.title, releaseDate: `${s.year}-01-01` };
    const url = await withDetails(js, details);
    // Jellyseerr answers 500 when TMDB fails for a title.
    details['movie/10003'] = { __status: 500 };
    const w = await trackerWith({});
    const engine = w.h.tracker.engine;
    const rc = createJellyseerrReconciler({ url, apiKey: js.state.apiKey, intervalS: 3600, sink: engine, view: engine, log: recordingLogger() });
    cleanup.push(() => rc.stop());
    rc.start();
    const count = () => [...engine.openRequests()].length;
    await w.rec.until(() => count() >= MAX_TITLE_LOOKUPS, 'the first cycle');
    expect(count()).toBe(MAX_TITLE_LOOKUPS);
    await w.rec.until(() => count() === 25, 'the catch-up cycle', 10_000);
    for (const s of specs) {
      const st = await w.rec.untilState(`jellyseerr-${s.requestId}`, 'APPROVED');
      expect(st.title).toBe(s.requestId === 203 ? 'Unknown title' : s.title);
    }
  });
});

describe('upstream faults', () => {
  it('(f) Radarr 500, timeout, invalid JSON and 401: no crash, no event, state kept, one log line per outage, recovery next cycle', async () => {
    const radarr = await startRadarr();
    radarr.addMovie(dune, { hasFile: true });
    const w = await trackerWith({ radarr: { url: radarr.url, apiKey: radarr.state.apiKey } });
    const id = 'jellyseerr-57';
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', dune));
    const approved = await w.rec.untilState(id, 'APPROVED');
    const log = recordingLogger();
    const rc = arrReconciler(w, 'radarr', log, { timeoutMs: 300 });

    radarr.faults.failNext('GET /api/v3/queue', 2, 500);
    radarr.faults.delayNext('GET /api/v3/movie', 2_000, 1);
    radarr.faults.invalidJsonNext('GET /api/v3/history/since', 1);
    for (let i = 0; i < 4; i++) await expectNothingNew(w, () => rc.poke!());
    expect(w.rec.state(id)).toEqual(approved);
    const warnings = log.lines.filter(([level]) => level === 'warning').map(([, line]) => line);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^radarr\/radarr\/reconcile: radarr\/radarr: GET \/api\/v3\/queue answered HTTP 500 \(failure 1\)$/);
    expect(rc.status()).toMatchObject({ healthy: false });
    expect(rc.status().last_error).toMatch(/returned invalid JSON/);

    await rc.poke!();
    await w.rec.untilState(id, 'IMPORTING');
    expect(rc.status()).toMatchObject({ healthy: true });
    expect(log.lines.filter(([level]) => level === 'info').map(([, l]) => l)).toContain('radarr/radarr/reconcile: recovered');

    // A wrong API key is an outage like any other, and the key is never written anywhere.
    const bad = createArrReconcilers('radarr', LABELS.radarr, [{ name: 'radarr', url: radarr.url, api_key: 'wrong-key-123456' }], {
      intervalS: 3600,
      sink: w.h.tracker.engine,
      view: w.h.tracker.engine,
      log,
    });
    await bad[0]!.poke!();
    expect(bad[0]!.status().last_error).toMatch(/GET \/api\/v3\/queue answered HTTP 401 \(check the API key\)/);
    expect(JSON.stringify(log.lines)).not.toContain('wrong-key-123456');
    expect(JSON.stringify(log.lines)).not.toContain(radarr.state.apiKey);
  });

  it('(f) Jellyseerr 500 and timeout: nothing sent, then the back-fill happens on recovery', async () => {
    const js = await startJellyseerr();
    js.addRequest(dune, { status: 2, mediaStatus: 3 });
    const w = await trackerWith({});
    const log = recordingLogger();
    const rc = jellyseerrReconciler(w, js.url, js.state.apiKey, log, { timeoutMs: 300 });
    js.faults.failNext('GET /api/v1/request', 1, 500);
    js.faults.delayNext('GET /api/v1/request', 2_000, 1);
    await expectNothingNew(w, () => rc.poke!());
    await expectNothingNew(w, () => rc.poke!());
    expect(w.h.tracker.engine.request('jellyseerr-57')).toBeUndefined();
    expect(log.lines.filter(([l]) => l === 'warning')).toHaveLength(1);
    expect(rc.status().last_error).toMatch(/jellyseerr: GET \/api\/v1\/request failed: UND_ERR_HEADERS_TIMEOUT/);
    await rc.poke!();
    // No title endpoint in this Jellyseerr: the request is tracked all the same.
    expect(await w.rec.untilState('jellyseerr-57', 'APPROVED')).toMatchObject({ tmdb_id: 693134, requested_by: 'alice' });
    expect(rc.status().healthy).toBe(true);
  });
});

describe('poll cost', () => {
  const movieSpec = (i: number): MovieSpec => ({ requestId: 1000 + i, tmdbId: 900_000 + i, title: `Movie ${i}`, year: 2000 + (i % 25), radarrId: 5000 + i, hash: fakeHash(`m${i}`) });
  const showSpec = (i: number): ShowSpec => ({ requestId: 3000 + i, tmdbId: 800_000 + i, tvdbId: 700_000 + i, title: `Show ${i}`, year: 2010, sonarrId: 6000 + i, seasons: [1] });
  const requestEvents = (specs: Array<MovieSpec | ShowSpec>): UnstampedEvent[] =>
    specs.flatMap((s) => {
      const r = parseJellyseerr(jellyseerr('MEDIA_AUTO_APPROVED', s), { anime: { tags: [], path_patterns: [] } });
      if (!r.ok) throw new Error('bad payload');
      return r.events;
    });

  it('(g) one cycle costs the same upstream requests with 1 and with 500 tracked requests', async () => {
    const radarr = await startRadarr();
    const sonarr = await startSonarr();
    const js = await startJellyseerr();
    for (let i = 0; i < 20; i++) radarr.addMovie(movieSpec(i), { hasFile: i % 2 === 0 });
    for (let i = 0; i < 20; i++) sonarr.addSeries(showSpec(i), { episodesPerSeason: 2 });
    radarr.addDownload(5001, fakeHash('q1'));
    sonarr.addDownload(6001, [episodeId(showSpec(1), { season: 1, episode: 1 })], fakeHash('q2'));
    const w = await trackerWith({
      radarr: { url: radarr.url, apiKey: radarr.state.apiKey },
      sonarr: { url: sonarr.url, apiKey: sonarr.state.apiKey },
      jellyseerr: { url: js.url, apiKey: js.state.apiKey },
    });
    const engine = w.h.tracker.engine;
    const rr = arrReconciler(w, 'radarr');
    const sr = arrReconciler(w, 'sonarr');
    const jr = jellyseerrReconciler(w, js.url, js.state.apiKey);
    const cost = async (rc: Watcher, fake: { log: { count(): number } }): Promise<number> => {
      const before = fake.log.count();
      await rc.poke!();
      return fake.log.count() - before;
    };

    const movies = Array.from({ length: 500 }, (_, i) => movieSpec(i));
    const shows = Array.from({ length: 500 }, (_, i) => showSpec(i));
    await engine.ingest(requestEvents([movies[0]!, shows[0]!]));
    js.addRequest(movies[0]!, { status: 2 });
    js.addRequest(shows[0]!, { status: 2 });
    await cost(rr, radarr);
    await cost(sr, sonarr);
    await cost(jr, js);
    const one = { radarr: await cost(rr, radarr), sonarr: await cost(sr, sonarr), jellyseerr: await cost(jr, js) };
    expect(one).toEqual({ radarr: 3, sonarr: 3, jellyseerr: 1 });

    await engine.ingest(requestEvents([...movies.slice(1), ...shows.slice(1)]));
    for (const spec of [...movies.slice(1), ...shows.slice(1)]) js.addRequest(spec, { status: 2 });
    expect([...engine.openRequests()].length).toBeGreaterThanOrEqual(1000);
    // The first cycle after they appear: Sonarr reads the episodes of a few series, never more.
    expect(await cost(rr, radarr)).toBe(3);
    expect(await cost(sr, sonarr)).toBeLessThanOrEqual(3 + MAX_EPISODE_FETCHES);
    // 1000 requests in Jellyseerr: 5 pages, and the tracked ones past them checked 10 at a time.
    expect(await cost(jr, js)).toBe(MAX_PAGES + MAX_CHECKS);
    // Steady state: exactly what it cost with one request.
    for (let i = 0; i < 4; i++) await cost(sr, sonarr);
    const many = { radarr: await cost(rr, radarr), sonarr: await cost(sr, sonarr), jellyseerr: await cost(jr, js) };
    expect(many.radarr).toBe(one.radarr);
    expect(many.sonarr).toBe(one.sonarr);
    expect(many.jellyseerr).toBe(MAX_PAGES + MAX_CHECKS);

    // And what they found is right: the 10 movies with a file are importing, the queued one
    // downloading (no qBittorrent is configured: the queue reports its progress).
    await w.rec.untilState('jellyseerr-1000', 'IMPORTING');
    await w.rec.untilState('jellyseerr-1001', 'DOWNLOADING');
    expect((await w.rec.untilState('jellyseerr-1499', 'APPROVED')).title).toBe('Movie 499');
    await w.rec.untilState('jellyseerr-3001', 'DOWNLOADING');
    // Its roster: both episodes of season 1 are wanted, the queued one is downloading.
    await untilEpisodes(w, 'jellyseerr-3001', (e) => e.length === 2, 'the roster of Show 1');
    expect(episodes(w, 'jellyseerr-3001').map((e) => [e.season, e.episode, e.state])).toEqual([
      [1, 1, 'DOWNLOADING'],
      [1, 2, 'SEARCHING'],
    ]);
  });
});
