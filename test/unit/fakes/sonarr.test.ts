import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { episodeId, fakeHash, range, sonarrGrab, type ShowSpec } from '../../../src/demo/payloads.js';
import { Receiver } from '../../fakes/common.js';
import { defaultDownloadClients, downloadClient } from '../../fakes/arr-downloadclients.js';
import { createSonarrFake } from '../../fakes/sonarr.js';

const KEY = 'sonarr-api-key';
const show: ShowSpec = { requestId: 61, tmdbId: 240411, tvdbId: 433925, title: 'Dan Da Dan', year: 2024, sonarrId: 57, seasons: [1], anime: true };
const hash = fakeHash('dandadan-s01');

describe('Sonarr fake', () => {
  const sonarr = createSonarrFake();
  const receiver = new Receiver();
  let url = '';
  let hookUrl = '';
  const get = async (path: string, headers: Record<string, string> = { 'X-Api-Key': KEY }) => {
    const res = await fetch(`${url}${path}`, { headers });
    return { status: res.status, body: (await res.json()) as any };
  };
  const post = (path: string, body: unknown, method = 'POST') => fetch(`${url}${path}`, { method, headers: { 'X-Api-Key': KEY, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    url = (await sonarr.start()).url;
    hookUrl = `${await receiver.start()}/webhook/sonarr`;
  });
  afterAll(async () => {
    await sonarr.stop();
    await receiver.close();
  });
  beforeEach(() => {
    Object.assign(sonarr.state, { series: [], episodes: [], episodeFiles: [], queue: [], history: [], notifications: [], commands: [], sent: [], downloadClients: defaultDownloadClients('Sonarr') });
    sonarr.faults.clear();
    sonarr.log.clear();
    receiver.received.length = 0;
    receiver.status = 200;
    sonarr.addSeries(show, { episodesPerSeason: 10 });
  });

  it('requires the API key (header, apikey query or Bearer) and answers 401 JSON otherwise', async () => {
    const anon = await get('/api/v3/system/status', {});
    expect(anon.status).toBe(401);
    expect(anon.body).toEqual({ message: 'Unauthorized' });
    expect((await get('/api/v3/system/status')).body).toMatchObject({ appName: 'Sonarr', instanceName: 'Sonarr', version: '4.0.14.2939' });
    expect((await get(`/api/v3/system/status?apikey=${KEY}`, {})).status).toBe(200);
    expect((await get('/api/v3/system/status', { Authorization: `Bearer ${KEY}` })).status).toBe(200);
    expect(sonarr.log.count('GET /api/v3/system/status')).toBe(4);
  });

  it('series by tvdbId and by id (REST calls it seriesType), with computed statistics', async () => {
    sonarr.importEpisodes(show, range(1, 1, 3));
    const list = await get('/api/v3/series?tvdbId=433925');
    expect(list.body).toHaveLength(1);
    expect(list.body[0]).toMatchObject({ id: 57, tvdbId: 433925, tmdbId: 240411, seriesType: 'anime', path: '/data/anime/Dan Da Dan' });
    expect(list.body[0].seasons[0].statistics).toMatchObject({ episodeFileCount: 3, episodeCount: 10 });
    expect((await get('/api/v3/series?tvdbId=1')).body).toEqual([]);
    expect((await get('/api/v3/series/57')).body.title).toBe('Dan Da Dan');
    expect((await get('/api/v3/series/999')).status).toBe(404);
  });

  it('episodes carry hasFile/episodeFileId/airDateUtc/monitored; nulls are omitted; episode files by series', async () => {
    sonarr.importEpisodes(show, [{ season: 1, episode: 2 }]);
    const eps = (await get('/api/v3/episode?seriesId=57&seasonNumber=1')).body as Array<Record<string, unknown>>;
    expect(eps).toHaveLength(10);
    const e2 = eps.find((e) => e.episodeNumber === 2)!;
    expect(e2).toMatchObject({
      id: episodeId(show, { season: 1, episode: 2 }),
      hasFile: true,
      episodeFileId: episodeId(show, { season: 1, episode: 2 }) + 500_000,
      airDateUtc: '2024-01-02T20:00:00Z',
      monitored: true,
    });
    expect(eps.find((e) => e.episodeNumber === 1)).toMatchObject({ hasFile: false, episodeFileId: 0 });
    expect('overview' in e2).toBe(false);
    const files = (await get('/api/v3/episodefile?seriesId=57')).body;
    expect(files).toHaveLength(1);
    expect(files[0].path).toBe('/data/anime/Dan Da Dan/Season 01/Dan Da Dan - S01E02 - Episode 2 [WEBDL-1080p].mkv');
  });

  it('queue: paging envelope, one record per episode, UPPER-case downloadId, TimeSpan timeleft, includeEpisode', async () => {
    const ids = range(1, 1, 10).map((e) => episodeId(show, e));
    sonarr.addDownload(57, ids, hash, { sizeleft: 7_000_000_000, timeleft: 93_784 });
    const p1 = (await get('/api/v3/queue?page=1&pageSize=4&includeEpisode=true')).body;
    expect(p1).toMatchObject({ page: 1, pageSize: 4, totalRecords: 10, sortDirection: 'ascending' });
    expect(p1.records).toHaveLength(4);
    const r = p1.records[0];
    expect(r).toMatchObject({
      seriesId: 57,
      downloadId: hash.toUpperCase(),
      status: 'downloading',
      trackedDownloadStatus: 'ok',
      trackedDownloadState: 'downloading',
      statusMessages: [],
      timeleft: '1.02:03:04',
      sizeleft: 7_000_000_000,
      protocol: 'torrent',
    });
    expect(r.episode).toMatchObject({ id: r.episodeId, seasonNumber: 1 });
    expect(new Set((await get('/api/v3/queue?page=3&pageSize=4')).body.records.map((x: any) => x.downloadId))).toEqual(new Set([hash.toUpperCase()]));
    expect((await get('/api/v3/queue?page=3&pageSize=4')).body.records).toHaveLength(2);
    expect((await get('/api/v3/queue?pageSize=4')).body.records[0].episode).toBeUndefined();

    sonarr.updateDownload(hash, {
      status: 'completed',
      trackedDownloadStatus: 'warning',
      trackedDownloadState: 'importBlocked',
      sizeleft: 0,
      timeleft: 0,
      statusMessages: [{ title: 'x', messages: ['One or more episodes expected in this release were not imported or missing from the release'] }],
    });
    const blocked = (await get('/api/v3/queue?pageSize=100')).body.records[0];
    expect(blocked).toMatchObject({ trackedDownloadState: 'importBlocked', timeleft: '00:00:00' });
  });

  it('history: eventType integers in the query, camelCase names in the response, string data; history/since', async () => {
    const old = new Date(Date.now() - 3_600_000).toISOString();
    sonarr.addHistory({ eventType: 'grabbed', episodeId: 1, seriesId: 57, downloadId: hash, date: old, data: { indexer: 'Nyaa', torrentInfoHash: hash.toUpperCase(), size: '1400000000' } });
    sonarr.addHistory({ eventType: 'downloadFailed', episodeId: 1, seriesId: 57, downloadId: hash, data: { message: 'Failed download detected' } });
    const failed = (await get(`/api/v3/history?page=1&pageSize=50&downloadId=${hash.toUpperCase()}&eventType=4`)).body;
    expect(failed).toMatchObject({ totalRecords: 1, sortKey: 'date', sortDirection: 'descending' });
    expect(failed.records[0]).toMatchObject({ eventType: 'downloadFailed', downloadId: hash.toUpperCase(), data: { message: 'Failed download detected' } });
    expect((await get(`/api/v3/history?downloadId=${hash.toUpperCase()}`)).body.records.map((r: any) => r.eventType)).toEqual(['downloadFailed', 'grabbed']);
    expect((await get('/api/v3/history?eventType=downloadFailed')).status).toBe(400);
    const since = (await get(`/api/v3/history/since?date=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`)).body;
    expect(since.map((r: any) => r.eventType)).toEqual(['downloadFailed']);
    expect((await get(`/api/v3/history/since?date=${encodeURIComponent(old)}&eventType=1`)).body.map((r: any) => r.eventType)).toEqual(['grabbed']);
  });

  it('commands are recorded and answered queued', async () => {
    const res = await post('/api/v3/command', { name: 'RefreshMonitoredDownloads' });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ id: 1, name: 'RefreshMonitoredDownloads', status: 'queued' });
    await post('/api/v3/command', { name: 'SeasonSearch', seriesId: 57, seasonNumber: 1 });
    expect(sonarr.state.commands.map((c) => c.body)).toEqual([
      expect.objectContaining({ name: 'RefreshMonitoredDownloads' }),
      expect.objectContaining({ name: 'SeasonSearch', seriesId: 57, seasonNumber: 1 }),
    ]);
  });

  const webhookBody = (url: string) => ({
    name: 'HA media tracker',
    implementation: 'Webhook',
    configContract: 'WebhookSettings',
    tags: [],
    onGrab: true,
    onDownload: true,
    onImportComplete: true,
    fields: [
      { name: 'url', value: url },
      { name: 'method', value: 1 },
      { name: 'username', value: 'ha' },
      { name: 'password', value: 'pw' },
      { name: 'headers', value: [{ key: 'X-Tracker-Token', value: 's3cr3t' }] },
    ],
  });

  it('notification create tests the connection first: the real Test event reaches the receiver with Basic auth and headers', async () => {
    const res = await post('/api/v3/notification', webhookBody(hookUrl));
    expect(res.status).toBe(201);
    const [hit] = await receiver.waitFor(1);
    expect(hit!.method).toBe('POST');
    expect(hit!.json).toEqual(JSON.parse(readFileSync('test/fixtures/sonarr/test.json', 'utf8')));
    expect(hit!.headers.authorization).toBe(`Basic ${Buffer.from('ha:pw').toString('base64')}`);
    expect(hit!.headers['x-tracker-token']).toBe('s3cr3t');
    expect(hit!.headers['content-type']).toBe('application/json');
    expect(hit!.headers['user-agent']).toMatch(/^Sonarr\/4\.0\.14/);
    const list = (await get('/api/v3/notification')).body;
    expect(list[0]).toMatchObject({ id: 1, implementation: 'Webhook', onGrab: true, onRename: false });
    expect(list[0].fields.find((f: any) => f.name === 'url').value).toBe(hookUrl);
    expect((await get('/api/v3/notification/schema')).body[0].fields.map((f: any) => f.name)).toEqual(['url', 'method', 'username', 'password', 'headers']);

    // deliver() respects the on* flags
    await sonarr.deliver(sonarrGrab(show, range(1, 1, 2), hash));
    await receiver.waitFor(2);
    expect((receiver.received[1]!.json as any).eventType).toBe('Grab');
  });

  it('notification test against a failing receiver → 400 validation failure; forceSave skips the test; old Sonarr ignores headers', async () => {
    receiver.status = 500;
    const test = await post('/api/v3/notification/test', webhookBody(hookUrl));
    expect(test.status).toBe(400);
    expect(((await test.json()) as any)[0]).toMatchObject({ propertyName: 'Url', severity: 'error' });
    expect((await post('/api/v3/notification', webhookBody(hookUrl))).status).toBe(400);
    expect((await post('/api/v3/notification?forceSave=true', webhookBody(hookUrl))).status).toBe(201);
    receiver.status = 200;
    sonarr.state.version = '4.0.9.2244';
    expect((await post('/api/v3/notification/test', webhookBody(hookUrl))).status).toBe(200);
    expect(receiver.received.at(-1)!.headers['x-tracker-token']).toBeUndefined();
    sonarr.state.version = '4.0.14.2939';
    const put = await post('/api/v3/notification/1', { ...webhookBody(hookUrl), onGrab: false }, 'PUT');
    expect(put.status).toBe(202);
    expect(sonarr.state.notifications[0]?.onGrab).toBe(false);
  });

  it('download clients: a qBittorrent by default; the settings fields in order, a set password or API key masked, unset values omitted', async () => {
    expect((await get('/api/v3/downloadclient')).body).toMatchObject([{ id: 1, implementation: 'QBittorrent', implementationName: 'qBittorrent', enable: true, protocol: 'torrent' }]);
    sonarr.state.downloadClients = [downloadClient('Sonarr', 4, { implementation: 'Sabnzbd', name: 'nzb', enable: false, values: { host: 'sab', apiKey: 'the-key', password: '' } })];
    const { body } = await get('/api/v3/downloadclient');
    expect(body).toHaveLength(1);
    expect(body[0]).toMatchObject({ id: 4, name: 'nzb', implementation: 'Sabnzbd', implementationName: 'SABnzbd', configContract: 'SabnzbdSettings', enable: false, protocol: 'usenet', priority: 1 });
    const fields = body[0].fields as Array<{ name: string; value?: unknown; privacy: string }>;
    expect(fields.map((f) => f.name)).toEqual(['host', 'port', 'useSsl', 'urlBase', 'apiKey', 'username', 'password', 'tvCategory', 'recentTvPriority', 'olderTvPriority']);
    const field = (name: string) => fields.find((f) => f.name === name)!;
    expect([field('host').value, field('port').value, field('apiKey').value, field('apiKey').privacy, field('password').value, field('tvCategory').value]).toEqual([
      'sab',
      8080,
      '********',
      'apiKey',
      '',
      'tv',
    ]);
    expect('value' in field('urlBase')).toBe(false);
    expect((await get('/api/v3/downloadclient/4')).body.name).toBe('nzb');
    expect((await get('/api/v3/downloadclient/9')).status).toBe(404);
    expect(sonarr.state.downloadClients[0]!.fields.find((f) => f.name === 'apiKey')?.value).toBe('the-key');
  });

  it('faults: next N responses 500, invalid JSON, a delay that trips a client timeout, a reset', async () => {
    sonarr.faults.failNext('GET /api/v3/queue', 2);
    expect((await get('/api/v3/queue')).status).toBe(500);
    expect((await get('/api/v3/queue')).status).toBe(500);
    expect((await get('/api/v3/queue')).status).toBe(200);

    sonarr.faults.invalidJsonNext('GET /api/v3/series');
    const bad = await fetch(`${url}/api/v3/series`, { headers: { 'X-Api-Key': KEY } });
    expect(bad.headers.get('content-type')).toMatch(/application\/json/);
    await expect(bad.json()).rejects.toThrow();

    sonarr.faults.delayNext('GET /api/v3/episode', 1000);
    await expect(fetch(`${url}/api/v3/episode?seriesId=57`, { headers: { 'X-Api-Key': KEY }, signal: AbortSignal.timeout(100) })).rejects.toThrow();

    sonarr.faults.add('*', { reset: true });
    await expect(fetch(`${url}/api/v3/series`, { headers: { 'X-Api-Key': KEY } })).rejects.toThrow();
    expect((await get('/api/v3/series')).status).toBe(200);
    expect(sonarr.log.count('GET /api/v3/queue')).toBe(3);
  });
});
