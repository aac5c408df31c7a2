/**
 * The Shoko watcher against the fake Shoko Server (real SignalR JSON protocol over
 * WebSockets on loopback, REST), with a recording sink and an in-memory view.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AnimeMatchEvent, UnstampedEvent } from '../../../../src/domain/events.js';
import type { MediaRequest } from '../../../../src/domain/model.js';
import { episodeKey } from '../../../../src/domain/model.js';
import { createLogger, setLogLevel, setLogSink, type Level } from '../../../../src/log.js';
import type { EventSink, TrackedView } from '../../../../src/watchers/types.js';
import { createShokoWatcher, type ShokoWatcher, type ShokoWatcherOptions } from '../../../../src/integrations/shoko/watcher.js';
import { createShokoFake, v4, v5 } from '../../../fakes/shoko.js';
import { blankRequest } from '../../../helpers/requests.js';
import { until as untilTruthy } from '../../../helpers/wait.js';

const KEY = 'Shoko-Key-7f3e9c1d2b';
const AT = '2025-03-14T18:00:00.000Z';
type Match = Omit<AnimeMatchEvent, 'at'>;

class RecordingSink implements EventSink {
  readonly batches: UnstampedEvent[][] = [];
  failNext = 0;
  async ingest(events: UnstampedEvent[]): Promise<unknown> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('storage is recovering');
    }
    this.batches.push(events);
    return undefined;
  }
  get events(): Match[] {
    return this.batches.flat() as Match[];
  }
}

class View implements TrackedView {
  readonly requests = new Map<string, MediaRequest>();
  add(...rs: MediaRequest[]): this {
    for (const r of rs) this.requests.set(r.id, r);
    return this;
  }
  *openRequests(): IterableIterator<MediaRequest> {
    yield* this.requests.values();
  }
  request(id: string): MediaRequest | undefined {
    return this.requests.get(id);
  }
  trackedHashes(): Set<string> {
    return new Set();
  }
}

function base(id: string, media_type: 'movie' | 'tv', title: string, extra: Partial<MediaRequest>): MediaRequest {
  return blankRequest({ id, media_type, title, is_anime: true, anime_source: 'test', requested_seasons: media_type === 'tv' ? [1] : [], ...extra }, AT);
}

const movie = (id: string, path: string, extra: Partial<MediaRequest> = {}): MediaRequest => base(id, 'movie', id, { file_path: path, ...extra });

function show(id: string, title: string, paths: Record<number, string>, extra: Partial<MediaRequest> = {}): MediaRequest {
  const r = base(id, 'tv', title, extra);
  for (const [n, path] of Object.entries(paths)) {
    r.episodes[episodeKey(1, Number(n))] = {
      season: 1,
      episode: Number(n),
      title: null,
      state: 'IMPORTING',
      progress: null,
      hash: null,
      file_path: path,
      release: null,
      air_date_utc: null,
      sonarr_episode_id: null,
      history: [],
    };
  }
  return r;
}

const rel = (e: number, title = 'Dan Da Dan'): string => `${title}/Season 01/${title} - S01E${String(e).padStart(2, '0')}.mkv`;
const abs = (e: number, title = 'Dan Da Dan'): string => `/data/anime/${rel(e, title)}`;
const MOVIE_REL = 'movies/Summer Ghost (2021)/Summer Ghost (2021).mkv';
const fileEvent = (fileId: number, relativePath: string, xrefs = true, importFolderId = 1) =>
  v5.fileEvent({
    fileId,
    fileLocationId: fileId + 1000,
    importFolderId,
    relativePath,
    crossReferences: xrefs ? [{ episodeId: null, anidbEpisodeId: 280000 + fileId, seriesId: null, anidbAnimeId: 17000, groupId: null }] : [],
  });

const logLines: Array<{ level: Level; line: string }> = [];
beforeAll(() => {
  setLogLevel('debug');
  setLogSink((level, line) => logLines.push({ level, line }));
});
afterAll(() => {
  setLogSink(null);
  setLogLevel('info');
});

interface Rig {
  fake: ReturnType<typeof createShokoFake>;
  sink: RecordingSink;
  view: View;
  watcher: ShokoWatcher;
}

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  logLines.length = 0;
});

/** The waits of this file give up after 8 s unless told otherwise. */
const until = <T>(check: () => T | undefined | null | false, what: string, timeoutMs = 8_000) => untilTruthy(check, what, timeoutMs);

async function rig(view = new View(), opts: Partial<ShokoWatcherOptions> = {}, fakeSetup?: (f: Rig['fake']) => void, wait = true): Promise<Rig> {
  const fake = createShokoFake({ pingIntervalMs: 100 });
  fake.state.apiKeys = [KEY];
  fakeSetup?.(fake);
  await fake.start();
  cleanup.push(() => fake.stop());
  const sink = new RecordingSink();
  const watcher = createShokoWatcher({
    url: fake.url,
    apiKey: KEY,
    sink,
    view,
    log: createLogger('shoko'),
    reconnectDelaysMs: [0, 50, 100],
    coalesceMs: 80,
    catchupIntervalMs: 0,
    recheckDelayMs: 50,
    ...opts,
  });
  watcher.start();
  cleanup.push(() => watcher.stop());
  if (wait && !fake.state.down) await until(() => watcher.connected() && fake.open().length === 1, 'a connection');
  return { fake, sink, view, watcher };
}

/** Sends one invocation with several arguments, as the wire allows (D11). */
function invoke(fake: Rig['fake'], target: string, args: unknown[]): void {
  fake.sendRaw(`${JSON.stringify({ type: 1, target, arguments: args })}\x1e`);
}

const lines = (re: RegExp): string[] => logLines.map((l) => l.line).filter((l) => re.test(l));

describe('connection', () => {
  it('joins /signalr/aggregate?feeds=shoko with the key as apikey and access token, and never logs the key', async () => {
    const { fake, watcher } = await rig();
    expect(fake.connections[0]).toMatchObject({ negotiated: true, negotiateFeeds: ['shoko'], feeds: ['shoko'], accessToken: KEY, apikey: KEY, handshake: true });
    expect(watcher.status()).toMatchObject({
      name: 'shoko',
      healthy: true,
      last_error: null,
      detail: { connected: true, state: 'Connected', events_received: 0, last_event_at: null, reconnects: 0, connects: 1 },
    });
    expect(watcher.status().last_ok).toMatch(/^\d{4}-/);
    // The client answers the server's pings, so v5's 60 s client timeout never fires.
    await until(() => (fake.connections[0]?.pingsReceived ?? 0) > 0, 'a client ping', 20_000);
    expect(lines(/Shoko hub: connected/)).toHaveLength(1);
    expect(logLines.some((l) => l.line.includes(KEY))).toBe(false);
    expect(logLines.some((l) => l.line.includes('apikey=***'))).toBe(true);
  }, 30_000);

  it('keeps trying when the first start fails, and connects once Shoko is up', async () => {
    const { fake, watcher } = await rig(new View(), {}, (f) => (f.state.down = true));
    await until(() => lines(/cannot connect/).length > 0, 'a failure log');
    expect(watcher.connected()).toBe(false);
    expect(watcher.status()).toMatchObject({ healthy: false, detail: { connected: false } });
    expect(watcher.status().last_error).toMatch(/503|Service Unavailable/);
    fake.state.down = false;
    await until(() => watcher.connected(), 'the connection');
    expect(watcher.status().detail).toMatchObject({ connects: 1, reconnects: 0 });
    expect(lines(/cannot connect/).length).toBeLessThan(5);
  });

  it('reconnects after a graceful close and after the hub disappears for longer than the automatic delays', async () => {
    const { fake, watcher, sink, view } = await rig();
    view.add(movie('m', `/data/anime/${MOVIE_REL}`));
    fake.dropAll({ graceful: true });
    await until(() => watcher.connected() && fake.open().length === 1 && (watcher.status().detail?.reconnects as number) >= 1, 'a reconnect');
    await fake.stop();
    await new Promise((r) => setTimeout(r, 500));
    expect(watcher.connected()).toBe(false);
    await fake.start();
    await until(() => watcher.connected() && fake.open().length === 1, 'a new connection');
    fake.emit('ShokoEvent:FileMatched', fileEvent(3, MOVIE_REL));
    await until(() => sink.events.length === 1, 'the event on the new connection');
    expect(lines(/connection lost/).length).toBeGreaterThan(0);
    expect(lines(/connection closed/).length).toBeGreaterThan(0);
    expect(lines(/Shoko hub: (re)?connected/).length).toBeGreaterThanOrEqual(3);
  });

  it('satisfies a hub that requires auth (v6), and says so when the key is wrong', async () => {
    const { watcher } = await rig(new View(), {}, (f) => (f.state.requireHubAuth = true));
    expect(watcher.connected()).toBe(true);
    const bad = await rig(
      new View(),
      {},
      (f) => {
        f.state.requireHubAuth = true;
        f.state.apiKeys = ['another-key-0000'];
      },
      false,
    );
    await until(() => lines(/cannot connect/).length > 0, 'a failure');
    expect(bad.watcher.connected()).toBe(false);
    expect(bad.watcher.status().last_error).toMatch(/401.*check the Shoko API key/);
  });

  it('stop() ends the connection and the retries', async () => {
    const { fake, watcher } = await rig();
    await watcher.stop();
    expect(watcher.status()).toMatchObject({ healthy: false, detail: { state: 'Stopped', connected: false } });
    await until(() => fake.open().length === 0, 'the socket to close');
    expect(fake.connections[0]?.closedByClient).toBe(true);
    const count = fake.connections.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.connections.length).toBe(count);
  });

  it('stop() while the hub is unreachable returns promptly', async () => {
    const { watcher } = await rig(new View(), { reconnectDelaysMs: [5_000] }, (f) => (f.state.down = true));
    await until(() => lines(/cannot connect/).length > 0, 'a failure');
    const t = Date.now();
    await watcher.stop();
    expect(Date.now() - t).toBeLessThan(1_000);
  });
});

describe('events', () => {
  it('iterates every argument of an invocation, and lists inside an argument (D11)', async () => {
    const view = new View().add(show('t', 'Dan Da Dan', { 1: abs(1), 2: abs(2), 3: abs(3), 4: abs(4), 5: abs(5) }));
    const { fake, sink, watcher } = await rig(view);
    invoke(fake, 'ShokoEvent:FileMatched', [fileEvent(1, rel(1)), fileEvent(2, rel(2)), fileEvent(3, rel(3))]);
    invoke(fake, 'ShokoEvent:FileHashed', [[fileEvent(4, rel(4), false), fileEvent(5, rel(5), false)]]);
    await until(() => sink.events.length === 5, 'five events');
    expect(sink.events.map((e) => e.match.file_path)).toEqual([abs(1), abs(2), abs(3), abs(4), abs(5)]);
    expect(sink.events.map((e) => e.result)).toEqual(['matched', 'matched', 'matched', 'detected', 'detected']);
    expect(sink.events.map((e) => e.shoko_file_id)).toEqual([1, 2, 3, 4, 5]);
    expect(watcher.status().detail).toMatchObject({ events_received: 5 });
  });

  it('coalesces events that arrive together into one ingest call (C5)', async () => {
    const view = new View().add(show('t', 'Dan Da Dan', { 1: abs(1), 2: abs(2), 3: abs(3), 4: abs(4) }));
    const { fake, sink } = await rig(view);
    for (let e = 1; e <= 4; e++) fake.emit('ShokoEvent:FileMatched', fileEvent(e, rel(e)));
    await until(() => sink.events.length === 4, 'four events');
    expect(sink.batches).toHaveLength(1);
    fake.emit('ShokoEvent:FileDetected', v5.fileDetected({ relativePath: rel(1), importFolderId: 1 }));
    await until(() => sink.batches.length === 2, 'a second batch');
    expect(sink.batches[1]).toHaveLength(1);
    expect(sink.batches[1]![0]).toMatchObject({ key: `shoko:FileDetected:0:${abs(1)}`, result: 'detected', shoko_file_id: null, match: { file_path: abs(1), scope: 'active' } });
  });

  it('parses v4.2.2 camelCase payloads with Windows separators', async () => {
    const view = new View().add(show('t', 'Dan Da Dan', { 1: abs(1) }));
    const { fake, sink } = await rig(view);
    fake.emit('ShokoEvent:FileMatched', v4.fileEvent({ relativePath: `\\${rel(1).replace(/\//g, '\\')}`, fileId: 31, importFolderId: 1, crossRefs: [{ episodeId: 4, seriesId: 5, groupId: 6 }] }));
    await until(() => sink.events.length === 1, 'the event');
    expect(sink.events[0]).toMatchObject({ result: 'matched', shoko_file_id: 31, reason: 'Shoko: matched (Shoko series 5, episode 4)', match: { file_path: abs(1) } });
  });

  it('logs and ignores invalid payloads, by event name, without dropping the connection', async () => {
    const view = new View().add(show('t', 'Dan Da Dan', { 1: abs(1) }));
    const { fake, sink, watcher } = await rig(view);
    fake.emit('ShokoEvent:FileMatched', { FileID: 'seven', RelativePath: rel(1) });
    fake.emit('ShokoEvent:MovieUpdated', { Reason: 'Added' });
    fake.emit('ShokoEvent:SeriesUpdated', 'not an object');
    invoke(fake, 'ShokoEvent:FileHashed', [null, fileEvent(1, rel(1), false)]);
    await until(() => sink.events.length === 1, 'the one valid event');
    expect(watcher.status().detail).toMatchObject({ invalid: 4, events_received: 5 });
    expect(lines(/Shoko FileMatched: invalid payload ignored \(fileid/)).toHaveLength(1);
    expect(lines(/Shoko MovieUpdated: invalid payload ignored/)).toHaveLength(1);
    expect(lines(/Shoko SeriesUpdated: invalid payload ignored/)).toHaveLength(1);
    expect(lines(/Shoko FileHashed: invalid payload ignored/)).toHaveLength(1);
    expect(watcher.connected()).toBe(true);
  });

  it('drops events with an empty path or no file id, logging their ids (D10)', async () => {
    const view = new View().add(movie('m', `/data/anime/${MOVIE_REL}`), show('t', 'Dan Da Dan', { 1: abs(1) }));
    const { fake, sink, watcher } = await rig(view);
    fake.emit('ShokoEvent:FileMatched', v5.fileEvent({ fileId: 0, fileLocationId: 0, importFolderId: 1, relativePath: '' }));
    fake.emit('ShokoEvent:FileNotMatched', v5.fileNotMatched({ fileId: 12, fileLocationId: 3, importFolderId: 1, relativePath: '' }));
    fake.emit('ShokoEvent:FileNotMatched', { ...v5.fileNotMatched({ fileId: 0, fileLocationId: 0, importFolderId: 1, relativePath: MOVIE_REL }) });
    fake.emit('ShokoEvent:FileHashed', { FileID: null, RelativePath: rel(1), ImportFolderID: 1 });
    fake.emit('ShokoEvent:FileDetected', v5.fileDetected({ relativePath: '\\', importFolderId: 1 }));
    await until(() => watcher.status().detail?.events_received === 5, 'five events');
    await watcher.poke?.();
    expect(sink.events).toEqual([]);
    expect(watcher.status().detail).toMatchObject({ ignored: 5 });
    expect(lines(/Shoko FileNotMatched ignored: no usable path \(file 12, location 3, import folder 1, path ""\)/)).toHaveLength(1);
    expect(lines(/Shoko FileNotMatched ignored: no usable file id \(file 0/)).toHaveLength(1);
  });

  it('MovieUpdated: only Added for a tracked anime movie counts; image reasons are ignored (D1)', async () => {
    const view = new View().add(movie('anime', `/data/anime/${MOVIE_REL}`, { tmdb_id: 791373 }), movie('plain', '/data/movies/Dune/Dune.mkv', { tmdb_id: 693134, is_anime: false }));
    const { fake, sink, watcher } = await rig(view);
    for (const reason of ['ImageAdded', 'ImageAdded', 'ImageUpdated', 'ImageRemoved', 'Updated', 'None']) fake.emit('ShokoEvent:MovieUpdated', v5.movieUpdated({ reason, movieId: 791373 }));
    fake.emit('ShokoEvent:MovieUpdated', v5.movieUpdated({ reason: 'Added', movieId: 693134 }));
    fake.emit('ShokoEvent:MovieUpdated', v5.movieUpdated({ reason: 'Added', movieId: 1 }));
    fake.emit('ShokoEvent:MovieUpdated', v5.movieUpdated({ reason: 'Added', movieId: 791373 }));
    await until(() => watcher.status().detail?.events_received === 9, 'nine events');
    await until(() => sink.events.length === 1, 'one event');
    await watcher.poke?.();
    expect(sink.events).toEqual([
      {
        kind: 'anime_match',
        key: 'shoko:MovieUpdated:791373:Added',
        source: 'shoko',
        match: { tmdb_id: 791373, media_type: 'movie', scope: 'active' },
        result: 'detected',
        episodes: [],
        shoko_file_id: null,
        reason: 'Shoko: TMDB movie 791373 added to Shoko',
      },
    ]);
  });

  it('FileNotMatched → not_matched; moves, renames and deletes produce nothing', async () => {
    const view = new View().add(movie('m', `/data/anime/${MOVIE_REL}`));
    const { fake, sink, watcher } = await rig(view);
    const file = { fileId: 8, fileLocationId: 9, importFolderId: 1, relativePath: MOVIE_REL };
    fake.emit('ShokoEvent:FileNotMatched', v5.fileNotMatched(file, { isUdpBanned: true }));
    fake.emit('ShokoEvent:FileRenamed', v5.fileRenamed(file, { fileName: 'a.mkv', previousFileName: 'b.mkv' }));
    fake.emit('ShokoEvent:FileMoved', v5.fileMoved(file, { previousRelativePath: 'x/y.mkv', previousImportFolderId: 1 }));
    fake.emit('ShokoEvent:FileDeleted', v5.fileEvent(file));
    await until(() => watcher.status().detail?.events_received === 4, 'four events');
    await until(() => sink.events.length === 1, 'one event');
    await watcher.poke?.();
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ result: 'not_matched', shoko_file_id: 8, reason: expect.stringMatching(/manual link in Shoko.*UDP-banned/) });
    expect(lines(/Shoko renamed file 8 of request m/)).toHaveLength(1);
    expect(lines(/Shoko moved file 8 of request m/)).toHaveLength(1);
    expect(lines(/Shoko removed file 8 of request m/)).toHaveLength(1);
  });

  it('files nobody tracks are logged with their ids and dropped', async () => {
    const { fake, sink, watcher } = await rig(new View().add(movie('m', `/data/anime/${MOVIE_REL}`)));
    fake.emit('ShokoEvent:FileMatched', fileEvent(99, 'Other/Season 01/Other - S01E01.mkv'));
    await until(() => watcher.status().detail?.unmatched === 1, 'the unmatched count');
    expect(sink.events).toEqual([]);
    expect(
      lines(
        /Shoko FileMatched: not a tracked file \(no open request tracks this file; file 99, location 1099, import folder 1, path "Other\/Season 01\/Other - S01E01.mkv", absolute "\/data\/anime\/Other\/Season 01\/Other - S01E01.mkv"\)/,
      ),
    ).toHaveLength(1);
  });

  it('ingest failures are retried', async () => {
    const view = new View().add(show('t', 'Dan Da Dan', { 1: abs(1) }));
    const { fake, sink } = await rig(view);
    sink.failNext = 1;
    fake.emit('ShokoEvent:FileMatched', fileEvent(1, rel(1)));
    await until(() => sink.events.length === 1, 'the retried event', 5_000);
    expect(lines(/could not store 1 event\(s\) \(storage is recovering\); retrying/)).toHaveLength(1);
  });
});

describe('import folders (D9)', () => {
  it('maps a Windows import folder to an exact tracked path', async () => {
    const winPath = 'D:\\Anime\\Shows\\Frieren\\Season 01\\Frieren - S01E02.mkv';
    const view = new View().add(show('t', 'Frieren', { 2: winPath }));
    const { fake, sink } = await rig(view, {}, (f) =>
      f.state.importFolders.push({ ID: 4, Name: 'Shows', Path: 'D:\\Anime\\Shows\\', DropFolderType: 'Destination', WatchForNewFiles: true, FileSize: 0 }),
    );
    fake.emit('ShokoEvent:FileMatched', fileEvent(2, '\\Frieren\\Season 01\\Frieren - S01E02.mkv', true, 4));
    await until(() => sink.events.length === 1, 'the event');
    expect(sink.events[0]!.match).toEqual({ file_path: 'D:/Anime/Shows/Frieren/Season 01/Frieren - S01E02.mkv', scope: 'active' });
    expect(lines(/via path$/)).toHaveLength(1);
  });

  it('re-reads the import folders when an unknown folder id appears; a different mount falls back to the tail', async () => {
    const view = new View().add(show('t', 'Dan Da Dan', { 1: abs(1), 2: abs(2) }));
    const { fake, sink } = await rig(view);
    await until(() => fake.log.count('GET /api/v3/ImportFolder') === 1, 'the first folder read');
    expect(fake.log.last('GET /api/v3/ImportFolder')?.headers.apikey).toBe(KEY);
    fake.state.importFolders.push({ ID: 7, Name: 'NAS', Path: '/mnt/nas/anime/', DropFolderType: 'Destination', WatchForNewFiles: true, FileSize: 0 });
    fake.emit('ShokoEvent:FileMatched', fileEvent(1, rel(1), true, 7));
    await until(() => sink.events.length === 1, 'the event');
    expect(fake.log.count('GET /api/v3/ImportFolder')).toBe(2);
    expect(sink.events[0]!.match).toEqual({ file_path: abs(1), scope: 'active' });
    // Known now: no further read for the same folder.
    fake.emit('ShokoEvent:FileMatched', fileEvent(2, rel(2), true, 7));
    await until(() => sink.events.length === 2, 'the second event');
    expect(fake.log.count('GET /api/v3/ImportFolder')).toBe(2);
  });

  it('works with the folder API down: the relative path tail still matches', async () => {
    const view = new View().add(show('t', 'Dan Da Dan', { 1: abs(1) }));
    const { fake, sink } = await rig(view, {}, (f) => f.faults.add('GET /api/v3/ImportFolder', { status: 500, times: Infinity }));
    fake.emit('ShokoEvent:FileMatched', fileEvent(1, rel(1), true, 1));
    await until(() => sink.events.length === 1, 'the event', 10_000);
    expect(sink.events[0]!.match).toEqual({ file_path: abs(1), scope: 'active' });
    expect(lines(/cannot read the import folders/).length).toBeGreaterThan(0);
  });
});

describe('catch-up through REST', () => {
  it('after a connect, asks PathEndsWith for imported files Shoko has not reported, bounded per pass, round-robin', async () => {
    const eps: Record<number, string> = {};
    for (let e = 1; e <= 9; e++) eps[e] = abs(e);
    const view = new View().add(show('t', 'Dan Da Dan', eps), movie('done', `/data/anime/${MOVIE_REL}`, { shoko_file_id: 5, state: 'ANIME_MATCHING' }));
    const { fake, sink, watcher } = await rig(view, { catchupLimit: 4 }, (f) => {
      f.addFile({ id: 103, relativePath: rel(3), xrefs: [{ seriesId: 90, anidbAnimeId: 17000, episodes: [{ id: 903, anidbEpisodeId: 280003 }] }] });
      f.addFile({ id: 107, relativePath: rel(7), xrefs: [] });
    });
    await until(() => fake.log.count('GET /api/v3/File/PathEndsWith') === 4, 'four look-ups');
    await until(() => sink.events.length === 1, 'the match of episode 3');
    expect(sink.events[0]).toEqual({
      kind: 'anime_match',
      key: 'shoko:catchup:103:17000.280003.90.903',
      source: 'shoko',
      match: { request_id: 't', file_path: abs(3), scope: 'active' },
      result: 'matched',
      episodes: [],
      shoko_file_id: 103,
      reason: 'Shoko: matched to AniDB (anime 17000, episode 280003)',
    });
    expect(fake.log.of('GET /api/v3/File/PathEndsWith').map((l) => l.query.path)).toEqual([1, 2, 3, 4].map((e) => rel(e).split('/').slice(-2).join('/')));
    // The next pass goes on where this one stopped.
    await (watcher as unknown as { catchUp(why: string): Promise<void> }).catchUp('test');
    expect(
      fake.log
        .of('GET /api/v3/File/PathEndsWith')
        .slice(4)
        .map((l) => String(l.query.path).slice(-7)),
    ).toEqual(['E05.mkv', 'E06.mkv', 'E07.mkv', 'E08.mkv']);
    expect(sink.events[1]).toMatchObject({ result: 'detected', shoko_file_id: 107, reason: 'Shoko: file found, waiting for AniDB cross-references', match: { file_path: abs(7) } });
    // A movie that already carries its Shoko file id (and is not waiting) is not asked about.
    expect(fake.log.of('GET /api/v3/File/PathEndsWith').some((l) => String(l.query.path).includes('Summer Ghost'))).toBe(false);
  });

  it('re-checks a file matched without cross-references once Shoko reports new metadata (C6)', async () => {
    const view = new View().add(movie('m', `/data/anime/${MOVIE_REL}`, { state: 'IMPORTING' }));
    const { fake, sink } = await rig(view);
    fake.emit('ShokoEvent:FileMatched', fileEvent(61, MOVIE_REL, false));
    await until(() => sink.events.length === 1, 'the early FileMatched');
    expect(sink.events[0]).toMatchObject({ result: 'detected', reason: 'Shoko: file matched, waiting for AniDB cross-references', shoko_file_id: 61 });
    // What the reducer did with it.
    view.add(movie('m', `/data/anime/${MOVIE_REL}`, { state: 'ANIME_MATCHING', shoko_file_id: 61 }));
    fake.addFile({ id: 61, relativePath: MOVIE_REL, xrefs: [{ seriesId: 12, anidbAnimeId: 15000, episodes: [{ id: 120, anidbEpisodeId: 210000 }] }] });
    fake.emit('ShokoEvent:SeriesUpdated', v5.seriesUpdated({ source: 'AniDB', reason: 'Added', seriesId: 15000 }));
    fake.emit('ShokoEvent:EpisodeUpdated', v5.episodeUpdated({ source: 'AniDB', reason: 'Added', episodeId: 210000, seriesId: 15000 }));
    await until(() => sink.events.length === 2, 'the re-check');
    expect(fake.log.count('GET /api/v3/File/:id')).toBe(1);
    expect(fake.log.last('GET /api/v3/File/:id')?.query).toMatchObject({ include: 'XRefs' });
    expect(sink.events[1]).toMatchObject({
      key: 'shoko:recheck:61:15000.210000.12.120',
      result: 'matched',
      shoko_file_id: 61,
      match: { request_id: 'm', file_path: `/data/anime/${MOVIE_REL}` },
      reason: 'Shoko: matched to AniDB (anime 15000, episode 210000)',
    });
  });
});
