import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeHash, radarrDownload, type MovieSpec } from '../../../src/demo/payloads.js';
import { Receiver } from '../../fakes/common.js';
import { createRadarrFake } from '../../fakes/radarr.js';

const KEY = 'radarr-api-key';
const dune: MovieSpec = { requestId: 57, tmdbId: 693134, title: 'Dune Part Two', year: 2024, radarrId: 412, hash: fakeHash('dune') };
const other: MovieSpec = { requestId: 58, tmdbId: 1, title: 'Other', year: 2020, radarrId: 413, hash: fakeHash('other') };

describe('Radarr fake', () => {
  const radarr = createRadarrFake();
  const receiver = new Receiver();
  let url = '';
  let hookUrl = '';
  const get = async (path: string, headers: Record<string, string> = { 'X-Api-Key': KEY }) => {
    const res = await fetch(`${url}${path}`, { headers });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    url = (await radarr.start()).url;
    hookUrl = `${await receiver.start()}/webhook/radarr`;
  });
  afterAll(async () => {
    await radarr.stop();
    await receiver.close();
  });
  beforeEach(() => {
    Object.assign(radarr.state, { movies: [], queue: [], history: [], notifications: [], sent: [] });
    receiver.received.length = 0;
    radarr.addMovie(dune, { hasFile: false });
    radarr.addMovie(other, { hasFile: true });
  });

  it('auth and system/status', async () => {
    expect((await get('/api/v3/system/status', {})).status).toBe(401);
    expect((await get('/api/v3/system/status')).body).toMatchObject({ appName: 'Radarr', version: '5.28.0.10205' });
  });

  it('movie by tmdbId and by id: hasFile, movieFileId, movieFile (omitted when absent)', async () => {
    const [m] = (await get('/api/v3/movie?tmdbId=693134')).body;
    expect(m).toMatchObject({ id: 412, tmdbId: 693134, hasFile: false, movieFileId: 0, monitored: true });
    expect('movieFile' in m).toBe(false);
    radarr.importMovie(412);
    const byId = (await get('/api/v3/movie/412')).body;
    expect(byId).toMatchObject({ hasFile: true, movieFileId: 4127, movieFile: { id: 4127, movieId: 412, relativePath: 'Dune Part Two (2024) [Bluray-1080p].mkv' } });
    expect(byId.movieFile.path).toBe((radarrDownload(dune).movieFile as any).path);
    expect((await get('/api/v3/movie')).body).toHaveLength(2);
    expect((await get('/api/v3/movie/1')).status).toBe(404);
  });

  it('queue: one record per download with movieId, includeMovie', async () => {
    radarr.addDownload(412, dune.hash, { sizeleft: 5_000_000_000, timeleft: 600 });
    radarr.addDownload(413, other.hash, { trackedDownloadState: 'failedPending', trackedDownloadStatus: 'error', status: 'failed', timeleft: null });
    const page = (await get('/api/v3/queue?page=1&pageSize=100&includeMovie=true')).body;
    expect(page.totalRecords).toBe(2);
    expect(page.records[0]).toMatchObject({ movieId: 412, downloadId: dune.hash.toUpperCase(), timeleft: '00:10:00', movie: { id: 412 } });
    expect(page.records[1]).toMatchObject({ movieId: 413, trackedDownloadState: 'failedPending' });
    expect('timeleft' in page.records[1]).toBe(false);
    expect((await get('/api/v3/queue?movieIds=413')).body.records).toHaveLength(1);
  });

  it('history, history/since and history/movie', async () => {
    radarr.addHistory({ eventType: 'grabbed', movieId: 412, downloadId: dune.hash, date: new Date(Date.now() - 10_000).toISOString(), data: { indexer: 'TL' } });
    radarr.addHistory({ eventType: 'downloadFolderImported', movieId: 412, downloadId: dune.hash, data: { importedPath: '/data/movies/x.mkv' } });
    radarr.addHistory({ eventType: 'grabbed', movieId: 413, downloadId: other.hash });
    expect((await get(`/api/v3/history?downloadId=${dune.hash.toUpperCase()}&eventType=3`)).body.records.map((r: any) => r.eventType)).toEqual(['downloadFolderImported']);
    expect((await get('/api/v3/history/movie?movieId=412')).body.map((r: any) => r.eventType)).toEqual(['downloadFolderImported', 'grabbed']);
    expect((await get('/api/v3/history/movie?movieId=412&eventType=1')).body).toHaveLength(1);
    expect((await get(`/api/v3/history/since?date=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`)).body).toHaveLength(3);
  });

  it("notification test sends Radarr's Test body; MoviesSearch command recorded", async () => {
    const res = await fetch(`${url}/api/v3/notification/test`, {
      method: 'POST',
      headers: { 'X-Api-Key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({
        implementation: 'Webhook',
        configContract: 'WebhookSettings',
        fields: [
          { name: 'url', value: hookUrl },
          { name: 'method', value: 2 },
          { name: 'headers', value: [{ key: 'X-Tracker-Token', value: 't' }] },
        ],
      }),
    });
    expect(res.status).toBe(200);
    const [hit] = await receiver.waitFor(1);
    expect(hit!.method).toBe('PUT');
    expect(hit!.json).toEqual(JSON.parse(readFileSync('test/fixtures/radarr/test.json', 'utf8')));
    expect(hit!.headers['x-tracker-token']).toBe('t');
    expect(hit!.headers['user-agent']).toMatch(/^Radarr\//);
    const cmd = await fetch(`${url}/api/v3/command`, {
      method: 'POST',
      headers: { 'X-Api-Key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'MoviesSearch', movieIds: [412] }),
    });
    expect(await cmd.json()).toMatchObject({ name: 'MoviesSearch', status: 'queued', body: { movieIds: [412] } });
  });
});
