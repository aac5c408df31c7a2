/**
 * The Sonarr/Radarr reconciliation rules (src/integrations/arr/map.ts): REST snapshot → events.
 * Requests are built the real way (webhook bodies through the adapters and the reducer), and
 * the produced events are fed back through the reducer to check what they do.
 */
import { describe, expect, it } from 'vitest';
import { parseJellyseerr } from '../../../../src/integrations/jellyseerr/adapter.js';
import { parseRadarr } from '../../../../src/integrations/radarr/adapter.js';
import { parseSonarr } from '../../../../src/integrations/sonarr/adapter.js';
import type { AdapterContext } from '../../../../src/adapters/types.js';
import { episodeId, fakeHash, jellyseerr, radarrGrab, radarrDownload, range, sonarrGrab, type MovieSpec, type ShowSpec, type EpisodeSpec } from '../../../../src/demo/payloads.js';
import type { DownloadFailedEvent, GrabbedEvent, ImportBlockedEvent, ImportedEvent, TrackerEvent, UnstampedEvent } from '../../../../src/domain/events.js';
import { episodeKey, type MediaRequest } from '../../../../src/domain/model.js';
import { createRequest, reduce } from '../../../helpers/reduce.js';
import type { ApiEpisode, ApiMovie, ApiSeries, HistoryRecord, QueueRecord } from '../../../../src/integrations/arr/api.js';
import { digest, episodeFileEvents, episodeWantsFile, keyList, movieFileEvents, ownership, seriesSignature, type ArrInstance, type Target } from '../../../../src/integrations/arr/map.js';
import { groupQueue, historyEvents, isBlocked, queueEvents } from '../../../../src/integrations/arr/downloads.js';
import { reconcileRadarr, reconcileSonarr } from '../../../../src/integrations/arr/snapshot.js';
import { radarr } from '../../../../src/integrations/radarr/index.js';
import { sonarr } from '../../../../src/integrations/sonarr/index.js';

const CTX: AdapterContext = { anime: { tags: ['anime'], path_patterns: ['/anime/'] } };
const RADARR: ArrInstance = { service: 'radarr', label: radarr.label, name: 'radarr', sole: true };
const SONARR: ArrInstance = { service: 'sonarr', label: sonarr.label, name: 'sonarr', sole: true };
const FETCHED = '2025-03-14T12:00:00.000Z';

let tick = 0;
const nextAt = (): string => new Date(Date.UTC(2025, 2, 14, 10, 0, 0) + ++tick * 1000).toISOString();

function stamp(e: UnstampedEvent, at = nextAt()): TrackerEvent {
  return { ...e, at } as TrackerEvent;
}

/** Applies events the way the engine does (create on the first request event). */
function apply(r: MediaRequest | null, ...events: UnstampedEvent[]): MediaRequest {
  let cur = r;
  for (const raw of events) {
    const e = stamp(raw);
    if (!cur) {
      if (e.kind !== 'request' && e.kind !== 'grabbed') throw new Error('cannot create');
      cur = createRequest(`jellyseerr-${e.kind === 'request' ? e.jellyseerr_request_id : 0}`, e);
    }
    const res = reduce(cur, e, { verifyAvailability: true });
    cur = res.request!;
  }
  return cur!;
}

function only<T>(events: UnstampedEvent[]): T[] {
  return events as unknown as T[];
}

function parsed(result: ReturnType<typeof parseRadarr>): UnstampedEvent[] {
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.events;
}

const DUNE: MovieSpec = { requestId: 7, tmdbId: 693134, title: 'Dune: Part Two', year: 2024, radarrId: 412, hash: fakeHash('dune') };
const SHOW: ShowSpec = { requestId: 9, tmdbId: 240411, tvdbId: 433925, title: 'Dan Da Dan', year: 2024, sonarrId: 57, seasons: [1] };

const movieRequest = (...more: UnstampedEvent[]): MediaRequest => apply(null, ...parsed(parseJellyseerr(jellyseerr('MEDIA_AUTO_APPROVED', DUNE), CTX)), ...more);
const showRequest = (...more: UnstampedEvent[]): MediaRequest => apply(null, ...parsed(parseJellyseerr(jellyseerr('MEDIA_AUTO_APPROVED', SHOW), CTX)), ...more);

function apiMovie(over: Partial<ApiMovie> = {}): ApiMovie {
  return { id: DUNE.radarrId, title: DUNE.title, year: DUNE.year, tmdbId: DUNE.tmdbId, hasFile: false, monitored: true, ...over };
}

function apiSeries(over: Partial<ApiSeries> = {}): ApiSeries {
  return {
    id: SHOW.sonarrId,
    title: SHOW.title,
    year: SHOW.year,
    tvdbId: SHOW.tvdbId,
    tmdbId: SHOW.tmdbId,
    seriesType: 'anime',
    seasons: [{ seasonNumber: 1, monitored: true, statistics: { episodeFileCount: 0, episodeCount: 12 } }],
    statistics: { episodeFileCount: 0 },
    ...over,
  };
}

function apiEpisode(e: EpisodeSpec, file?: { id: number; path?: string }): ApiEpisode {
  return {
    id: episodeId(SHOW, e),
    seriesId: SHOW.sonarrId,
    seasonNumber: e.season,
    episodeNumber: e.episode,
    title: `Episode ${e.episode}`,
    hasFile: Boolean(file),
    episodeFileId: file?.id ?? 0,
    ...(file?.path ? { episodeFile: { id: file.id, path: file.path } } : {}),
  };
}

function movieQueue(hash: string, over: Partial<QueueRecord> = {}): QueueRecord {
  return {
    id: 1,
    movieId: DUNE.radarrId,
    title: 'Dune.Part.Two.2024.1080p.BluRay.x264-GROUP',
    size: 15_032_385_536,
    sizeleft: 0,
    status: 'completed',
    trackedDownloadStatus: 'ok',
    trackedDownloadState: 'downloading',
    statusMessages: [],
    downloadId: hash.toUpperCase(),
    protocol: 'torrent',
    downloadClient: 'qBittorrent',
    indexer: 'TorrentLeech (Prowlarr)',
    ...over,
  };
}

function showQueue(hash: string, eps: EpisodeSpec[], over: Partial<QueueRecord> = {}): QueueRecord[] {
  return eps.map((e, i) => ({
    id: 1000 + i,
    seriesId: SHOW.sonarrId,
    episodeId: episodeId(SHOW, e),
    seasonNumber: e.season,
    title: '[SubsPlease] Dandadan (01-12) (1080p) [Batch]',
    size: 17_179_869_184,
    status: 'downloading',
    trackedDownloadStatus: 'ok',
    trackedDownloadState: 'downloading',
    downloadId: hash.toUpperCase(),
    protocol: 'torrent',
    downloadClient: 'qBittorrent',
    indexer: 'Nyaa (Prowlarr)',
    episodeHasFile: false,
    episode: apiEpisode(e),
    ...over,
  }));
}

const movieTarget = (r: MediaRequest, over: Partial<Target> = {}): Target => ({
  inst: RADARR,
  request: r,
  arr: r.arr ?? { service: 'radarr', instance: 'radarr', id: DUNE.radarrId },
  media: { media_type: 'movie', title: DUNE.title, tmdb_id: DUNE.tmdbId },
  hasFile: false,
  ...over,
});

const showTarget = (r: MediaRequest): Target => ({
  inst: SONARR,
  request: r,
  arr: r.arr ?? { service: 'sonarr', instance: 'sonarr', id: SHOW.sonarrId },
  media: { media_type: 'tv', title: SHOW.title, tvdb_id: SHOW.tvdbId, tmdb_id: SHOW.tmdbId },
});

const QOPTS = { complete: true, fetchedAt: FETCHED };

// ---------------------------------------------------------------------------------------------

describe('ownership', () => {
  it('links by instance, takes unlinked requests with the right id, and ignores other services', () => {
    const r = movieRequest();
    expect(ownership(r, RADARR)).toBe('unlinked');
    expect(ownership(r, SONARR)).toBeNull();
    expect(ownership({ ...r, tmdb_id: null }, RADARR)).toBeNull();
    const linked = { ...r, arr: { service: 'radarr' as const, instance: 'radarr-4k', id: 1 } };
    expect(ownership(linked, { ...RADARR, sole: false })).toBeNull();
    expect(ownership(linked, { ...RADARR, name: 'radarr-4k', sole: false })).toBe('linked');
    // The only Radarr: whatever name its webhooks used.
    expect(ownership(linked, RADARR)).toBe('linked');
    expect(ownership(showRequest(), SONARR)).toBe('unlinked');
  });
});

describe('queue record → events', () => {
  it('a download the request does not know becomes a grab, with the Grab webhook key and a lower-case hash', () => {
    const r = movieRequest();
    const hash = fakeHash('queue-grab');
    const events = queueEvents(movieTarget(r), groupQueue([movieQueue(hash)]), QOPTS);
    expect(events).toHaveLength(1);
    const grab = events[0] as GrabbedEvent;
    expect(grab).toMatchObject({
      kind: 'grabbed',
      key: `radarr:radarr:grab:${hash}:412`,
      source: 'radarr',
      hash,
      match: { request_id: r.id, media_type: 'movie', hash, tmdb_id: DUNE.tmdbId, arr: { service: 'radarr', instance: 'radarr', id: 412 }, scope: 'active' },
      release: { title: 'Dune.Part.Two.2024.1080p.BluRay.x264-GROUP', size: 15_032_385_536, download_client: 'qBittorrent' },
    });
    const after = apply(r, grab);
    expect(after.state).toBe('GRABBING');
    expect(Object.keys(after.downloads)).toEqual([hash]);
    // Known now: nothing more.
    expect(queueEvents(movieTarget(after), groupQueue([movieQueue(hash)]), QOPTS)).toEqual([]);
  });

  it('the same grab from the webhook first makes the queue silent', () => {
    const r = movieRequest(...parsed(parseRadarr(radarrGrab(DUNE), CTX)));
    expect(queueEvents(movieTarget(r), groupQueue([movieQueue(DUNE.hash)]), QOPTS)).toEqual([]);
  });

  it('importBlocked → import_blocked with Sonarr’s own messages, for the episodes of the download', () => {
    const hash = fakeHash('pack');
    const eps = range(1, 1, 3);
    const r = showRequest(...parsed(parseSonarr(sonarrGrab(SHOW, eps, hash), CTX)));
    const recs = showQueue(hash, eps, {
      status: 'completed',
      trackedDownloadStatus: 'warning',
      trackedDownloadState: 'importBlocked',
      statusMessages: [{ title: '[SubsPlease] Dandadan (01-12) (1080p) [Batch]', messages: ['Episode 2x01 was not found in the grabbed release'] }],
    });
    const events = queueEvents(showTarget(r), groupQueue(recs), QOPTS);
    expect(events).toHaveLength(1);
    const blocked = events[0] as ImportBlockedEvent;
    expect(blocked.kind).toBe('import_blocked');
    expect(blocked.message).toBe('Sonarr: import blocked — [SubsPlease] Dandadan (01-12) (1080p) [Batch]: Episode 2x01 was not found in the grabbed release');
    expect(blocked.episodes.map((e) => episodeKey(e.season, e.episode))).toEqual(['S01E01', 'S01E02', 'S01E03']);
    expect(blocked.key).toBe(`reconcile:sonarr:blocked:${hash}:${digest(blocked.message)}`);
    const after = apply(r, blocked);
    expect(after.state).toBe('DOWNLOADED');
    expect(after.stuck).toMatchObject({ reason: blocked.message, source: 'sonarr' });
    // Observed again: the flag already says it.
    expect(queueEvents(showTarget(after), groupQueue(recs), QOPTS)).toEqual([]);
  });

  it('importPending with a warning (Radarr’s .exe caution) is blocked; without one it is not', () => {
    const r = movieRequest(...parsed(parseRadarr(radarrGrab(DUNE), CTX)));
    const pending = movieQueue(DUNE.hash, { trackedDownloadState: 'importPending', trackedDownloadStatus: 'ok' });
    expect(isBlocked(groupQueue([pending])[0]!)).toBe(false);
    expect(queueEvents(movieTarget(r), groupQueue([pending]), QOPTS)).toEqual([]);
    const warned = movieQueue(DUNE.hash, {
      trackedDownloadState: 'importPending',
      trackedDownloadStatus: 'warning',
      statusMessages: [{ title: 'Dune.Part.Two.2024.1080p.BluRay.x264-GROUP', messages: ["Caution: Found executable file with extension: '.exe'"] }],
    });
    const [ev] = only<ImportBlockedEvent>(queueEvents(movieTarget(r), groupQueue([warned]), QOPTS));
    expect(ev?.message).toBe("Radarr: import blocked — Dune.Part.Two.2024.1080p.BluRay.x264-GROUP: Caution: Found executable file with extension: '.exe'");
    expect(ev?.hash).toBe(DUNE.hash);
  });

  it('failedPending → download_failed, unless another download for the movie is queued', () => {
    const r = movieRequest(...parsed(parseRadarr(radarrGrab(DUNE), CTX)));
    const failed = movieQueue(DUNE.hash, { trackedDownloadState: 'failedPending', trackedDownloadStatus: 'error', errorMessage: 'qBittorrent is reporting an error' });
    const [ev] = only<DownloadFailedEvent>(queueEvents(movieTarget(r), groupQueue([failed]), QOPTS));
    expect(ev).toMatchObject({ kind: 'download_failed', key: `reconcile:radarr:failed:${DUNE.hash}`, hash: DUNE.hash, message: 'Radarr: qBittorrent is reporting an error' });
    const after = apply(r, ev!);
    expect(after.state).toBe('FAILED');
    expect(queueEvents(movieTarget(after), groupQueue([failed]), QOPTS)).toEqual([]);
    const other = fakeHash('replacement');
    const replaced = queueEvents(movieTarget(r), groupQueue([failed, movieQueue(other, { id: 2 })]), QOPTS);
    expect(replaced.map((e) => e.kind)).toEqual(['grabbed']);
  });

  it('a movie that already has its file ignores its queue (an upgrade is not this request’s business)', () => {
    const r = movieRequest();
    const failed = movieQueue(DUNE.hash, { trackedDownloadState: 'failed' });
    expect(queueEvents(movieTarget(r, { hasFile: true }), groupQueue([failed]), QOPTS)).toEqual([]);
  });

  it('a pack of more than 20 episodes has the same grab key from the webhook and from the queue', () => {
    const r = showRequest();
    const hash = fakeHash('big-pack');
    const eps = range(1, 1, 24);
    const [hook] = only<GrabbedEvent>(parsed(parseSonarr(sonarrGrab(SHOW, eps, hash), CTX)));
    const [grab] = only<GrabbedEvent>(queueEvents(showTarget(r), groupQueue(showQueue(hash, eps)), QOPTS));
    expect(grab?.key).toMatch(/:grab:[0-9a-f]{40}:24x[0-9a-f]{8}$/);
    expect(hook?.key).toBe(grab?.key);
  });

  it('a season pack listed once per episode is one grab with every episode', () => {
    const r = showRequest();
    const hash = fakeHash('season');
    const eps = range(1, 1, 12);
    const [grab] = only<GrabbedEvent>(queueEvents(showTarget(r), groupQueue(showQueue(hash, eps)), QOPTS));
    expect(grab?.episodes).toHaveLength(12);
    expect(grab?.key).toBe(`sonarr:sonarr:grab:${hash}:${keyList(eps.map((e) => episodeId(SHOW, e)))}`);
    const after = apply(r, grab!);
    expect(Object.keys(after.episodes)).toHaveLength(12);
    expect(after.state).toBe('GRABBING');
  });

  it('queue records of another season are not this request’s', () => {
    const r = showRequest();
    expect(queueEvents(showTarget(r), groupQueue(showQueue(fakeHash('s2'), range(2, 1, 2))), QOPTS)).toEqual([]);
  });

  it('a block this Sonarr reported and that is gone from a complete queue clears the flag (not a newer one)', () => {
    const hash = fakeHash('pack');
    const eps = range(1, 1, 2);
    const r = showRequest(...parsed(parseSonarr(sonarrGrab(SHOW, eps, hash), CTX)));
    const blocked = only<ImportBlockedEvent>(
      queueEvents(
        showTarget(r),
        groupQueue(showQueue(hash, eps, { trackedDownloadState: 'importBlocked', statusMessages: [{ title: 'x', messages: ['No files found are eligible for import'] }] })),
        QOPTS,
      ),
    )[0]!;
    const stuck = apply(r, blocked);
    const cleared = queueEvents(showTarget(stuck), [], { complete: true, fetchedAt: '2099-01-01T00:00:00.000Z' });
    expect(cleared).toMatchObject([{ kind: 'stuck', reason: null, source: 'sonarr', match: { request_id: r.id } }]);
    expect(apply(stuck, cleared[0]!).stuck).toBeNull();
    // An incomplete queue proves nothing; a flag raised after the snapshot stays.
    expect(queueEvents(showTarget(stuck), [], { complete: false, fetchedAt: '2099-01-01T00:00:00.000Z' })).toEqual([]);
    expect(queueEvents(showTarget(stuck), [], { complete: true, fetchedAt: '2000-01-01T00:00:00.000Z' })).toEqual([]);
  });
});

describe('history → events', () => {
  const failedRecord = (hash: string, date: string, over: Partial<HistoryRecord> = {}): HistoryRecord => ({
    id: 1,
    eventType: 'downloadFailed',
    date,
    downloadId: hash.toUpperCase(),
    movieId: DUNE.radarrId,
    sourceTitle: 'Dune.Part.Two.2024.1080p',
    data: { message: 'Failed download detected' },
    ...over,
  });

  it('downloadFailed for a tracked hash → download_failed with the message', () => {
    const r = movieRequest(...parsed(parseRadarr(radarrGrab(DUNE), CTX)));
    const [ev] = only<DownloadFailedEvent>(historyEvents(movieTarget(r), [failedRecord(DUNE.hash, '2025-03-14T11:00:00Z')], []));
    expect(ev).toMatchObject({ kind: 'download_failed', key: `reconcile:radarr:failed:${DUNE.hash}`, message: 'Radarr: Failed download detected', hash: DUNE.hash });
    expect(apply(r, ev!).state).toBe('FAILED');
  });

  it('is ignored for an unknown hash, and when a later grab replaced the download', () => {
    const r = movieRequest(...parsed(parseRadarr(radarrGrab(DUNE), CTX)));
    expect(historyEvents(movieTarget(r), [failedRecord(fakeHash('other'), '2025-03-14T11:00:00Z')], [])).toEqual([]);
    const regrab: HistoryRecord = { id: 2, eventType: 'grabbed', date: '2025-03-14T11:00:05Z', downloadId: fakeHash('new').toUpperCase(), movieId: DUNE.radarrId, data: {} };
    expect(historyEvents(movieTarget(r), [failedRecord(DUNE.hash, '2025-03-14T11:00:00Z'), regrab], [])).toEqual([]);
    // A grab before the failure replaced nothing.
    expect(historyEvents(movieTarget(r), [{ ...regrab, date: '2025-03-14T10:00:00Z' }, failedRecord(DUNE.hash, '2025-03-14T11:00:00Z')], [])).toHaveLength(1);
  });

  it('TV: only the episodes still attached to the failed download fail', () => {
    const hash = fakeHash('ep1-2');
    const r = showRequest(...parsed(parseSonarr(sonarrGrab(SHOW, range(1, 1, 2), hash), CTX)), ...parsed(parseSonarr(sonarrGrab(SHOW, [{ season: 1, episode: 2 }], fakeHash('ep2')), CTX)));
    // S01E02 was re-grabbed elsewhere: its hash moved on.
    expect(r.episodes.S01E02?.hash).toBe(fakeHash('ep2'));
    const recs: HistoryRecord[] = range(1, 1, 2).map((e, i) => ({
      id: 10 + i,
      eventType: 'downloadFailed',
      date: '2025-03-14T11:00:00Z',
      downloadId: hash.toUpperCase(),
      seriesId: SHOW.sonarrId,
      episodeId: episodeId(SHOW, e),
      data: { message: 'Download client reported an error' },
    }));
    const [ev] = only<DownloadFailedEvent>(historyEvents(showTarget(r), recs, []));
    expect(ev?.episodes.map((e) => episodeKey(e.season, e.episode))).toEqual(['S01E01']);
    const after = apply(r, ev!);
    expect(after.episodes.S01E01?.state).toBe('FAILED');
    expect(after.episodes.S01E02?.state).toBe('GRABBING');
  });
});

describe('files → imported', () => {
  it('Radarr hasFile moves an approved request to IMPORTING (B1: Radarr sent nothing)', () => {
    const r = movieRequest();
    const movie = apiMovie({ hasFile: true, movieFileId: 977, movieFile: { id: 977, path: '/data/movies/Dune Part Two (2024)/Dune.mkv' } });
    const [ev] = only<ImportedEvent>(movieFileEvents(movieTarget(r, { hasFile: true }), movie));
    expect(ev).toMatchObject({
      kind: 'imported',
      key: 'reconcile:radarr:file:977',
      source: 'radarr',
      hash: null,
      files: [{ path: '/data/movies/Dune Part Two (2024)/Dune.mkv', episodes: [] }],
      match: { request_id: r.id, media_type: 'movie', tmdb_id: DUNE.tmdbId, scope: 'active' },
    });
    const after = apply(r, ev!);
    expect(after.state).toBe('IMPORTING');
    expect(after.file_path).toBe('/data/movies/Dune Part Two (2024)/Dune.mkv');
    expect(after.arr).toEqual({ service: 'radarr', instance: 'radarr', id: 412 });
    expect(movieFileEvents(movieTarget(after, { hasFile: true }), movie)).toEqual([]);
  });

  it('after the Download webhook there is nothing to add', () => {
    const r = movieRequest(...parsed(parseRadarr(radarrGrab(DUNE), CTX)), ...parsed(parseRadarr(radarrDownload(DUNE), CTX)));
    expect(movieFileEvents(movieTarget(r, { hasFile: true }), apiMovie({ hasFile: true, movieFileId: 4127 }))).toEqual([]);
  });

  it('Sonarr episodes with files in the requested seasons, grouped by file, with paths (B4)', () => {
    const r = showRequest();
    const eps = [
      apiEpisode({ season: 1, episode: 1 }, { id: 501, path: '/data/anime/Dan Da Dan/Season 01/S01E01.mkv' }),
      apiEpisode({ season: 1, episode: 2 }, { id: 502, path: '/data/anime/Dan Da Dan/Season 01/S01E02-E03.mkv' }),
      apiEpisode({ season: 1, episode: 3 }, { id: 502, path: '/data/anime/Dan Da Dan/Season 01/S01E02-E03.mkv' }),
      apiEpisode({ season: 1, episode: 4 }),
      apiEpisode({ season: 2, episode: 1 }, { id: 600, path: '/x/S02E01.mkv' }),
    ];
    const events = only<ImportedEvent>(episodeFileEvents(showTarget(r), eps));
    expect(events).toHaveLength(1);
    expect(events[0]!.key).toBe('reconcile:sonarr:file:501,502');
    expect(events[0]!.files.map((f) => [f.path, f.episodes.map((e) => e.episode)])).toEqual([
      ['/data/anime/Dan Da Dan/Season 01/S01E01.mkv', [1]],
      ['/data/anime/Dan Da Dan/Season 01/S01E02-E03.mkv', [2, 3]],
    ]);
    const after = apply(r, events[0]!);
    expect(Object.keys(after.episodes).sort()).toEqual(['S01E01', 'S01E02', 'S01E03']);
    expect(after.episodes.S01E02?.file_path).toBe('/data/anime/Dan Da Dan/Season 01/S01E02-E03.mkv');
    expect(after.state).toBe('IMPORTING');
    expect(episodeFileEvents(showTarget(after), eps)).toEqual([]);
  });

  it('files without a known path go in their own event (the reducer moves only episodes named in files)', () => {
    const r = showRequest();
    const events = only<ImportedEvent>(
      episodeFileEvents(showTarget(r), [apiEpisode({ season: 1, episode: 1 }, { id: 501, path: '/a/S01E01.mkv' }), apiEpisode({ season: 1, episode: 2 }, { id: 502 })]),
    );
    expect(events.map((e) => [e.key, e.files.length, e.episodes.length])).toEqual([
      ['reconcile:sonarr:file:501', 1, 1],
      ['reconcile:sonarr:file:502', 0, 1],
    ]);
    const after = apply(r, ...events);
    expect(after.episodes.S01E02?.state).toBe('IMPORTING');
  });

  it('a request without requested seasons only takes the episodes it already tracks', () => {
    const hash = fakeHash('s3');
    const r = apply(null, ...parsed(parseSonarr(sonarrGrab(SHOW, [{ season: 3, episode: 1 }], hash), CTX)));
    expect(r.requested_seasons).toEqual([]);
    expect(episodeWantsFile(r, 3, 1)).toBe(true);
    expect(episodeWantsFile(r, 1, 1)).toBe(false);
    const events = only<ImportedEvent>(episodeFileEvents(showTarget(r), [apiEpisode({ season: 1, episode: 1 }, { id: 1 }), apiEpisode({ season: 3, episode: 1 }, { id: 2, path: '/S03E01.mkv' })]));
    expect(events.map((e) => e.key)).toEqual(['reconcile:sonarr:file:2']);
  });
});

describe('whole snapshots', () => {
  it('Radarr: an unlinked request found by tmdb id, linked by the first event, then silent', () => {
    const r = movieRequest();
    const snap = {
      queue: [],
      queueComplete: true,
      history: [],
      fetchedAt: FETCHED,
      movies: [apiMovie({ id: 1, tmdbId: 1 }), apiMovie({ hasFile: true, movieFileId: 977, movieFile: { id: 977, path: '/m/Dune.mkv' } })],
    };
    const first = reconcileRadarr(RADARR, [r], snap);
    expect(first.events.map((e) => [e.kind, e.key])).toEqual([['imported', 'reconcile:radarr:file:977']]);
    const after = apply(r, ...first.events);
    expect(after.state).toBe('IMPORTING');
    expect(reconcileRadarr(RADARR, [after], snap).events).toEqual([]);
  });

  it('Radarr: a linked movie missing from two snapshots in a row is deleted; an empty library is not believed', () => {
    const r = movieRequest(...parsed(parseRadarr(radarrGrab(DUNE), CTX)));
    const snap = { queue: [], queueComplete: true, history: [], fetchedAt: FETCHED, movies: [apiMovie({ id: 1, tmdbId: 1 })] };
    const once = reconcileRadarr(RADARR, [r], snap);
    expect(once.events).toEqual([]);
    expect([...once.missing]).toEqual([412]);
    const twice = reconcileRadarr(RADARR, [r], snap, once.missing);
    expect(twice.events).toMatchObject([{ kind: 'deleted', scope: 'media', reason: 'Radarr: movie no longer in Radarr', key: 'reconcile:radarr:gone:412', match: { request_id: r.id, scope: 'any' } }]);
    expect(apply(r, ...twice.events).state).toBe('DELETED');
    expect(reconcileRadarr(RADARR, [r], { ...snap, movies: [] }, once.missing).events).toEqual([]);
  });

  it('Sonarr: queue, history and episodes together; the same snapshot twice adds nothing', () => {
    const hash = fakeHash('pack');
    const r = showRequest();
    const eps = range(1, 1, 2);
    const snap = {
      queue: showQueue(hash, eps),
      queueComplete: true,
      history: [],
      fetchedAt: FETCHED,
      series: [apiSeries()],
      episodes: new Map([[SHOW.sonarrId, [apiEpisode({ season: 1, episode: 1 }), apiEpisode({ season: 1, episode: 2 }), apiEpisode({ season: 1, episode: 3 }, { id: 9, path: '/S01E03.mkv' })]]]),
    };
    const first = reconcileSonarr(SONARR, [r], snap);
    expect(first.events.map((e) => e.kind)).toEqual(['grabbed', 'roster', 'imported']);
    expect((first.events[0] as GrabbedEvent).anime).toEqual({ is_anime: true, source: 'sonarr series type "anime"' });
    const after = apply(r, ...first.events);
    expect(after.arr).toEqual({ service: 'sonarr', instance: 'sonarr', id: 57 });
    expect(after.episodes.S01E03?.state).toBe('IMPORTING');
    expect(after.episodes.S01E01?.state).toBe('GRABBING');
    expect(reconcileSonarr(SONARR, [after], snap).events).toEqual([]);
  });

  it('every key is stable: the same facts give the same keys', () => {
    const hash = fakeHash('pack');
    const r = showRequest();
    const snap = {
      queue: showQueue(hash, range(1, 1, 2), { trackedDownloadState: 'importBlocked', statusMessages: [{ title: 't', messages: ['m'] }] }),
      queueComplete: true,
      history: [],
      fetchedAt: FETCHED,
      series: [apiSeries()],
      episodes: new Map([[SHOW.sonarrId, [apiEpisode({ season: 1, episode: 3 }, { id: 9 })]]]),
    };
    const a = reconcileSonarr(SONARR, [r], snap).events.map((e) => e.key);
    const b = reconcileSonarr(SONARR, [r], structuredClone(snap)).events.map((e) => e.key);
    expect(a).toEqual(b);
    expect(a).toHaveLength(4);
  });

  it('series signature follows the file counts, and is null without statistics', () => {
    expect(seriesSignature(apiSeries())).toBe('1:0|0');
    expect(seriesSignature(apiSeries({ seasons: [{ seasonNumber: 1, statistics: { episodeFileCount: 3 } }], statistics: { episodeFileCount: 3 } }))).toBe('1:3|3');
    expect(seriesSignature(apiSeries({ seasons: [{ seasonNumber: 1 }], statistics: null }))).toBeNull();
    expect(keyList([3, 1, 2, 2])).toBe('1,2,3');
    expect(keyList(Array.from({ length: 30 }, (_, i) => i + 1))).toMatch(/^30x[0-9a-f]{8}$/);
  });
});
