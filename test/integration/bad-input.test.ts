/** Bad input is answered with a clear 4xx and never reaches the store or the bus. */
import { describe, expect, it } from 'vitest';
import { WEBHOOK_BODY_LIMIT_BYTES } from '../../src/config/schema.js';
import { fakeHash, jellyseerr, radarrGrab, sonarrGrab, range } from '../../src/demo/payloads.js';
import { requestTopics, SECRET, storeBytes } from '../helpers/tracker.js';
import { world } from './support.js';

const movie = { requestId: 7, tmdbId: 700, title: 'Seven', year: 1995, radarrId: 7, hash: fakeHash('seven') };

describe('webhook input validation', () => {
  it('answers each kind of bad input with the right 4xx, a message naming the problem, and leaves the store unchanged', async () => {
    const { h, send, rec } = await world();
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie));
    await rec.untilState('jellyseerr-7', 'APPROVED');
    const before = await storeBytes(h.dataDir);
    const retainedBefore = requestTopics(rec.latest);
    expect([...retainedBefore.keys()]).toContain('media/jellyseerr-7/state');

    const malformed = await h.post('/hooks/radarr', null, { raw: '{"eventType": "Grab", ' });
    expect(malformed.status).toBe(400);
    expect(String(malformed.json.error)).toMatch(/not valid JSON/);

    const empty = await h.post('/hooks/sonarr', null, { raw: '' });
    expect(empty.status).toBe(400);
    expect(String(empty.json.error)).toMatch(/empty body/);

    const wrongTypes = sonarrGrab({ requestId: 1, tmdbId: 1, tvdbId: 1, title: 'X', year: 2020, sonarrId: 1, seasons: [1] }, range(1, 1, 2), fakeHash('x'));
    (wrongTypes.series as Record<string, unknown>).tvdbId = 'abc';
    (wrongTypes.episodes as Array<Record<string, unknown>>)[1]!.seasonNumber = 'one';
    const typed = await h.post('/hooks/sonarr', wrongTypes);
    expect(typed.status).toBe(400);
    const paths = (typed.json.fields as Array<{ path: string }>).map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['series.tvdbId', 'episodes.1.seasonNumber']));

    const missingId = jellyseerr('MEDIA_APPROVED', movie);
    (missingId.request as Record<string, unknown>).request_id = '';
    const noId = await h.post('/hooks/jellyseerr', missingId);
    expect(noId.status).toBe(400);
    expect((noId.json.fields as Array<{ path: string }>).map((f) => f.path)).toContain('request.request_id');

    const noMovie = radarrGrab(movie);
    delete noMovie.movie;
    const missing = await h.post('/hooks/radarr', noMovie);
    expect(missing.status).toBe(400);
    expect((missing.json.fields as Array<{ path: string }>).map((f) => f.path)).toContain('movie');

    const unknownType = await h.post('/hooks/radarr', { eventType: 'Explode', instanceName: 'Radarr' });
    expect(unknownType.status).toBe(400);
    expect(JSON.stringify(unknownType.json)).toMatch(/eventType/);

    const notObject = await h.post('/hooks/radarr', [1, 2, 3]);
    expect(notObject.status).toBe(400);

    const big = await h.post('/hooks/radarr', null, { raw: JSON.stringify({ eventType: 'Test', pad: 'x'.repeat(WEBHOOK_BODY_LIMIT_BYTES) }) });
    expect(big.status).toBe(413);
    expect(String(big.json.error)).toMatch(/larger than 1048576 bytes/);

    const unknownSource = await h.post('/hooks/plex', { x: 1 });
    expect(unknownSource.status).toBe(404);

    expect(await storeBytes(h.dataDir)).toBe(before);
    expect(requestTopics(rec.latest)).toEqual(retainedBefore);
  });

  it('requires the shared secret on every route, in any of the three accepted forms', async () => {
    const { h } = await world();
    const body = radarrGrab(movie);
    const url = h.tracker.endpoints.webhookUrl;
    for (const route of ['/hooks/jellyseerr', '/hooks/sonarr', '/hooks/radarr', '/hooks/sonarr/anime']) {
      const none = await fetch(`${url}${route}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/Basic/);
      const wrong = await fetch(`${url}${route}`, { method: 'POST', body: '{}', headers: { authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
      const wrongBasic = await fetch(`${url}${route}`, { method: 'POST', body: '{}', headers: { authorization: `Basic ${Buffer.from('radarr:nope').toString('base64')}` } });
      expect(wrongBasic.status).toBe(401);
      const text = await wrong.text();
      expect(text).not.toContain(SECRET);
    }
    const test = {
      eventType: 'Test',
      instanceName: 'Radarr',
      applicationUrl: '',
      movie: { id: 1, title: 'Test Title', year: 1970, releaseDate: '1970-01-01', folderPath: 'C:\\testpath', tmdbId: 0, tags: ['test-tag'] },
      remoteMovie: { tmdbId: 1234, imdbId: '5678', title: 'Test title', year: 1970 },
      release: { quality: 'Test Quality', qualityVersion: 1, releaseGroup: 'Test Group', releaseTitle: 'Test Title', indexer: 'Test Indexer', size: 9999999, customFormatScore: 0 },
    };
    const bearer = await fetch(`${url}/hooks/radarr`, { method: 'POST', body: JSON.stringify(test), headers: { authorization: `Bearer ${SECRET}` } });
    expect(bearer.status).toBe(200);
    const basic = await fetch(`${url}/hooks/radarr`, { method: 'POST', body: JSON.stringify(test), headers: { authorization: `Basic ${Buffer.from(`radarr:${SECRET}`).toString('base64')}` } });
    expect(basic.status).toBe(200);
    const token = await fetch(`${url}/hooks/radarr?token=${encodeURIComponent(SECRET)}`, { method: 'POST', body: JSON.stringify(test) });
    expect(token.status).toBe(200);
    expect(await token.json()).toMatchObject({ status: 'ignored' });
  });

  it('accepts JSON sent as text/plain and routes instance names', async () => {
    const { h, rec } = await world();
    const res = await h.post('/hooks/radarr/radarr-4k', radarrGrab(movie), { headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(200);
    expect(res.json.results).toMatchObject([{ request_ids: ['radarr-4k-7'] }]);
    const st = await rec.untilState('radarr-4k-7', 'GRABBING');
    expect(st.arr).toEqual({ service: 'radarr', instance: 'radarr-4k', id: 7 });
  });
});
