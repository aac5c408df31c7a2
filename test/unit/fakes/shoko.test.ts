import { HubConnectionBuilder, HubConnectionState, LogLevel, type HubConnection } from '@microsoft/signalr';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { until } from '../../helpers/wait.js';
import { createShokoFake, v4, v5 } from '../../fakes/shoko.js';

const KEY = 'shoko-api-key';

describe('Shoko fake: REST', () => {
  const shoko = createShokoFake();
  let url = '';
  beforeEach(async () => {
    url = (await shoko.start()).url;
    shoko.addSeries({ id: 12, anidbId: 17709, name: 'Dandadan', tmdbShowIds: [240411] });
    shoko.addFile({
      id: 678,
      locationId: 680,
      importFolderId: 1,
      relativePath: 'Dan Da Dan\\Season 01\\Dan Da Dan - S01E03.mkv',
      xrefs: [{ seriesId: 12, anidbAnimeId: 17709, episodes: [{ id: 345, anidbEpisodeId: 280001 }] }],
    });
  });
  afterEach(() => shoko.stop());

  it('requires the apikey header or query and answers PascalCase', async () => {
    expect((await fetch(`${url}/api/v3/ImportFolder`)).status).toBe(401);
    const byHeader = await fetch(`${url}/api/v3/ImportFolder`, { headers: { apikey: KEY } });
    expect(await byHeader.json()).toEqual([{ ID: 1, Name: 'Anime', Path: '/data/anime/', DropFolderType: 'Source, Destination', WatchForNewFiles: true, FileSize: 0 }]);
    expect((await fetch(`${url}/api/v3/ImportFolder?apikey=${KEY}`)).status).toBe(200);
    expect(shoko.log.count('GET /api/v3/ImportFolder')).toBe(3);
  });

  it('POST /api/auth issues a key; a new login for the same device invalidates the old one', async () => {
    const login = () => fetch(`${url}/api/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', pass: 'secret', device: 'ha' }) });
    const { apikey: first } = (await (await login()).json()) as { apikey: string };
    expect((await fetch(`${url}/api/v3/Series/12`, { headers: { apikey: first } })).status).toBe(200);
    const { apikey: second } = (await (await login()).json()) as { apikey: string };
    expect((await fetch(`${url}/api/v3/Series/12`, { headers: { apikey: first } })).status).toBe(401);
    expect((await fetch(`${url}/api/v3/Series/12`, { headers: { apikey: second } })).status).toBe(200);
    const bad = await fetch(`${url}/api/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', pass: 'nope', device: 'x' }) });
    expect(bad.status).toBe(401);
  });

  it('File/{id} only carries SeriesIDs with include=XRefs; PathEndsWith matches tails across separators and case', async () => {
    const plain = (await (await fetch(`${url}/api/v3/File/678`, { headers: { apikey: KEY } })).json()) as Record<string, unknown>;
    expect(plain.SeriesIDs).toBeUndefined();
    expect(plain.Locations).toEqual([{ ID: 680, FileID: 678, ImportFolderID: 1, RelativePath: 'Dan Da Dan\\Season 01\\Dan Da Dan - S01E03.mkv', IsAccessible: true }]);
    const withX = (await (await fetch(`${url}/api/v3/File/678?include=XRefs`, { headers: { apikey: KEY } })).json()) as {
      SeriesIDs: Array<{ SeriesID: { ID: number; AniDB: number }; EpisodeIDs: Array<{ ID: number; AniDB: number }> }>;
    };
    expect(withX.SeriesIDs[0]?.SeriesID).toMatchObject({ ID: 12, AniDB: 17709 });
    expect(withX.SeriesIDs[0]?.EpisodeIDs[0]).toMatchObject({ ID: 345, AniDB: 280001 });

    const tail = encodeURIComponent('dan da dan/Season 01/Dan Da Dan - S01E03.mkv');
    const hits = (await (await fetch(`${url}/api/v3/File/PathEndsWith?path=${tail}&includeXRefs=true&limit=5`, { headers: { apikey: KEY } })).json()) as Array<Record<string, unknown>>;
    expect(hits.map((h) => h.ID)).toEqual([678]);
    expect(hits[0]?.SeriesIDs).toBeDefined();
    const none = (await (await fetch(`${url}/api/v3/File/PathEndsWith?path=other.mkv`, { headers: { apikey: KEY } })).json()) as unknown[];
    expect(none).toEqual([]);
    expect((await fetch(`${url}/api/v3/File/999`, { headers: { apikey: KEY } })).status).toBe(404);
  });

  it('Series/{id} has IDs with AniDB and TMDB', async () => {
    const s = (await (await fetch(`${url}/api/v3/Series/12?apikey=${KEY}`)).json()) as { IDs: Record<string, unknown>; Name: string };
    expect(s.IDs).toMatchObject({ ID: 12, AniDB: 17709, TMDB: { Movie: [], Show: [240411] } });
    expect(s.Name).toBe('Dandadan');
  });

  it('injects faults and answers 503 while down', async () => {
    shoko.faults.failNext('GET /api/v3/Series/:id', 1, 500);
    expect((await fetch(`${url}/api/v3/Series/12?apikey=${KEY}`)).status).toBe(500);
    expect((await fetch(`${url}/api/v3/Series/12?apikey=${KEY}`)).status).toBe(200);
    shoko.state.down = true;
    expect((await fetch(`${url}/api/v3/Series/12?apikey=${KEY}`)).status).toBe(503);
    shoko.state.down = false;
  });
});

describe('Shoko fake: SignalR hub with the official @microsoft/signalr client', () => {
  let shoko: ReturnType<typeof createShokoFake>;
  let url = '';
  const clients: HubConnection[] = [];
  beforeEach(async () => {
    shoko = createShokoFake({ pingIntervalMs: 50 });
    url = (await shoko.start()).url;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop()));
    await shoko.stop();
  });

  const build = (feeds = 'shoko', reconnect?: number[]) => {
    let b = new HubConnectionBuilder().withUrl(`${url}/signalr/aggregate?feeds=${feeds}`, { accessTokenFactory: () => KEY }).configureLogging(LogLevel.None);
    if (reconnect) b = b.withAutomaticReconnect(reconnect);
    const c = b.build();
    clients.push(c);
    return c;
  };

  it('negotiates, keeps the feeds query, receives OnConnected(null) and an emitted FileMatched intact', async () => {
    const c = build();
    const connected: unknown[] = [];
    const matched: unknown[] = [];
    c.on('ShokoEvent:OnConnected', (arg: unknown) => connected.push(arg));
    c.on('ShokoEvent:FileMatched', (arg: unknown) => matched.push(arg));
    await c.start();
    await until(() => connected.length === 1, 'OnConnected', 2000);
    expect(connected).toEqual([null]);

    const [conn] = shoko.connections;
    expect(conn).toMatchObject({ negotiated: true, negotiateFeeds: ['shoko'], feeds: ['shoko'], accessToken: KEY, handshake: true, open: true });
    expect(shoko.log.last('POST /signalr/aggregate/negotiate')?.query).toMatchObject({ feeds: 'shoko', negotiateVersion: '1' });

    const payload = v5.fileEvent({
      fileId: 678,
      fileLocationId: 680,
      importFolderId: 1,
      relativePath: 'Dan Da Dan/Season 01/Dan Da Dan - S01E03.mkv',
      crossReferences: [{ episodeId: null, anidbEpisodeId: 280001, seriesId: null, anidbAnimeId: 17709, groupId: null }],
    });
    expect(shoko.emit('ShokoEvent:FileMatched', payload)).toBe(1);
    await until(() => matched.length === 1, 'FileMatched', 2000);
    expect(matched[0]).toEqual({
      FileID: 678,
      FileLocationID: 680,
      ImportFolderID: 1,
      RelativePath: 'Dan Da Dan/Season 01/Dan Da Dan - S01E03.mkv',
      CrossReferences: [{ EpisodeID: null, AnidbEpisodeID: 280001, SeriesID: null, AnidbAnimeID: 17709, GroupID: null }],
    });
  });

  it('survives server pings and answers with client pings', async () => {
    const c = build();
    c.serverTimeoutInMilliseconds = 400;
    c.keepAliveIntervalInMilliseconds = 100;
    await c.start();
    const conn = shoko.connections[0]!;
    // Ten server pings outlast the 400 ms server timeout several times over: the client stays connected only if they arrive.
    await until(() => conn.pingsSent >= 10 && conn.pingsReceived > 0, 'ten server pings and a client ping', 10_000);
    expect(c.state).toBe(HubConnectionState.Connected);
  });

  it('only delivers to the feed that was joined', async () => {
    const a = build('anidb');
    const onA: unknown[] = [];
    a.on('AniDB:OnConnected', (x: unknown) => onA.push(x));
    a.on('ShokoEvent:FileDetected', (x: unknown) => onA.push(x));
    const s = build('shoko,anidb');
    await Promise.all([a.start(), s.start()]);
    await until(() => onA.length === 1, 'AniDB:OnConnected on the anidb client', 5000);
    expect(shoko.emit('ShokoEvent:FileDetected', v5.fileDetected({ relativePath: 'x.mkv', importFolderId: 1 }))).toBe(1);
    expect(shoko.connections.map((c) => c.feeds)).toEqual(expect.arrayContaining([['anidb'], ['shoko', 'anidb']]));
  });

  it('withAutomaticReconnect reconnects after dropAll() and after a stop()/start() on the same port, re-joining the feeds', async () => {
    const c = build('shoko', [0, 50, 100, 200, 200, 200, 200, 200, 200, 200]);
    const connected: unknown[] = [];
    const got: unknown[] = [];
    c.on('ShokoEvent:OnConnected', (x: unknown) => connected.push(x));
    c.on('ShokoEvent:SeriesUpdated', (x: unknown) => got.push(x));
    let reconnected = 0;
    c.onreconnected(() => reconnected++);
    await c.start();
    await until(() => connected.length === 1, 'OnConnected', 5000);

    shoko.dropAll();
    await until(() => reconnected === 1, 'reconnect after dropAll', 5000);
    await until(() => connected.length === 2, 'OnConnected after the reconnect', 5000);
    expect(shoko.open()).toHaveLength(1);
    expect(shoko.connections[1]?.feeds).toEqual(['shoko']);

    const port = new URL(url).port;
    await shoko.stop();
    await new Promise((r) => setTimeout(r, 150));
    const again = await shoko.start();
    expect(new URL(again.url).port).toBe(port);
    await until(() => reconnected === 2, 'reconnect after restart', 5000);
    shoko.emit('ShokoEvent:SeriesUpdated', v5.seriesUpdated({ source: 'AniDB', reason: 'Added', seriesId: 17709 }));
    await until(() => got.length === 1, 'SeriesUpdated', 5000);
    expect(got[0]).toEqual({ Source: 'AniDB', Reason: 'Added', SeriesID: 17709, ShokoSeriesIDs: [], Episodes: [] });
  });

  it('rejects connections while down, accepts them again afterwards', async () => {
    shoko.state.down = true;
    await expect(build().start()).rejects.toThrow();
    shoko.state.down = false;
    await build().start();
    expect(shoko.open()).toHaveLength(1);
  });

  it('requireHubAuth (v6) rejects a client without a key', async () => {
    shoko.state.requireHubAuth = true;
    const anon = new HubConnectionBuilder().withUrl(`${url}/signalr/aggregate?feeds=shoko`).configureLogging(LogLevel.None).build();
    clients.push(anon);
    await expect(anon.start()).rejects.toThrow();
    await build().start();
  });

  it('speaks the exact wire format (raw negotiate + WebSocket)', async () => {
    const neg = await fetch(`${url}/signalr/aggregate/negotiate?feeds=shoko&negotiateVersion=1`, { method: 'POST' });
    const body = (await neg.json()) as { connectionId: string; connectionToken: string; negotiateVersion: number; availableTransports: unknown[] };
    expect(body).toEqual({
      negotiateVersion: 1,
      connectionId: expect.any(String),
      connectionToken: expect.any(String),
      availableTransports: [{ transport: 'WebSockets', transferFormats: ['Text', 'Binary'] }],
    });
    const ws = new WebSocket(`${url.replace('http', 'ws')}/signalr/aggregate?feeds=shoko&id=${body.connectionToken}`);
    const frames: string[] = [];
    ws.on('message', (d) => frames.push(d.toString()));
    await new Promise((r) => ws.once('open', r));
    ws.send('{"protocol":"json","version":1}\x1e');
    await until(() => frames.length >= 2, 'the handshake answer and OnConnected', 5000);
    expect(frames[0]).toBe('{}\x1e');
    expect(frames[1]).toBe('{"type":1,"target":"ShokoEvent:OnConnected","arguments":[null]}\x1e');
    await until(() => frames.includes('{"type":6}\x1e'), 'a ping frame', 5000);
    expect(shoko.connections[0]?.accessToken).toBeUndefined();
    const closed = new Promise((r) => ws.once('close', r));
    ws.send('{"type":7}\x1e');
    await closed;
    expect(shoko.connections[0]).toMatchObject({ closedByClient: true, open: false });
    // an unknown connection token is refused
    const stale = new WebSocket(`${url.replace('http', 'ws')}/signalr/aggregate?id=${body.connectionToken}`);
    await expect(
      new Promise((resolve, reject) => {
        stale.once('open', resolve);
        stale.once('error', reject);
      }),
    ).rejects.toThrow(/404/);
  });

  it('builds v4.2.2 camelCase payloads', () => {
    expect(v4.fileEvent({ relativePath: 'a.mkv', fileId: 1, importFolderId: 2, crossRefs: [{ episodeId: 3, seriesId: 4, groupId: 5 }] })).toEqual({
      relativePath: 'a.mkv',
      fileID: 1,
      importFolderID: 2,
      crossRefs: [{ episodeID: 3, seriesID: 4, groupID: 5 }],
    });
    expect(v5.fileNotMatched({ fileId: 1, fileLocationId: 1, importFolderId: 1, relativePath: 'a.mkv' }, { autoMatchAttempts: 2, isUdpBanned: true })).toMatchObject({
      AutoMatchAttempts: 2,
      HasCrossReferences: false,
      IsUDPBanned: true,
      CrossReferences: [],
    });
  });
});
