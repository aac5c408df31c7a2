import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeHash, jellyseerr, type MovieSpec, type ShowSpec } from '../../../src/demo/payloads.js';
import { Receiver } from '../../fakes/common.js';
import { createJellyseerrFake, DEFAULT_TEMPLATE, encodeTemplate, renderTemplate } from '../../fakes/jellyseerr.js';

const KEY = 'jellyseerr-api-key';
const dune: MovieSpec = { requestId: 57, tmdbId: 693134, title: 'Dune: Part Two', year: 2024, radarrId: 412, hash: fakeHash('dune') };
const obx: ShowSpec = { requestId: 61, tmdbId: 100757, tvdbId: 362629, title: 'Outer Banks', year: 2020, sonarrId: 12, seasons: [3, 4] };

describe('Jellyseerr fake', () => {
  const js = createJellyseerrFake();
  const receiver = new Receiver();
  let url = '';
  let hookUrl = '';
  const get = async (path: string, headers: Record<string, string> = { 'X-Api-Key': KEY }) => {
    const res = await fetch(`${url}${path}`, { headers });
    return { status: res.status, body: (await res.json()) as any };
  };
  const post = (path: string, body: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: { 'X-Api-Key': KEY, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    url = (await js.start()).url;
    hookUrl = `${await receiver.start()}/webhook/jellyseerr`;
  });
  afterAll(async () => {
    await js.stop();
    await receiver.close();
  });
  beforeEach(() => {
    js.state.requests = [];
    receiver.received.length = 0;
    js.addRequest(dune, { status: 2, mediaStatus: 3, updatedAt: '2025-03-14T10:00:00.000Z' });
    js.addRequest(obx, { status: 2, mediaStatus: 5, updatedAt: '2025-03-14T09:00:00.000Z' });
    js.addRequest({ ...dune, requestId: 70, tmdbId: 5 }, { status: 1, mediaStatus: 2, updatedAt: '2025-03-14T11:00:00.000Z' });
  });

  it('needs X-Api-Key (403 otherwise)', async () => {
    const anon = await get('/api/v1/request', {});
    expect(anon.status).toBe(403);
    expect(anon.body).toEqual({ status: 403, error: 'You do not have permission to access this endpoint' });
  });

  it('request list: pageInfo envelope, take/skip, filter, sort; request entities with numeric enums', async () => {
    const all = (await get('/api/v1/request?take=2&skip=0&filter=all&sort=added')).body;
    expect(all.pageInfo).toEqual({ pages: 2, pageSize: 2, results: 3, page: 1 });
    expect(all.results.map((r: any) => r.id)).toEqual([70, 61]);
    expect((await get('/api/v1/request?take=2&skip=2')).body.pageInfo.page).toBe(2);
    expect((await get('/api/v1/request?sort=modified&sortDirection=desc')).body.results.map((r: any) => r.id)).toEqual([70, 57, 61]);
    expect((await get('/api/v1/request?filter=available')).body.results.map((r: any) => r.id)).toEqual([61]);
    expect((await get('/api/v1/request?filter=processing')).body.results.map((r: any) => r.id)).toEqual([57]);
    expect((await get('/api/v1/request?filter=pending')).body.results.map((r: any) => r.id)).toEqual([70]);

    const tv = (await get('/api/v1/request/61')).body;
    expect(tv).toMatchObject({
      id: 61,
      status: 2,
      type: 'tv',
      is4k: false,
      media: { mediaType: 'tv', tmdbId: 100757, tvdbId: 362629, status: 5, externalServiceId: 12, jellyfinMediaId: null },
      seasons: [
        { seasonNumber: 3, status: 2 },
        { seasonNumber: 4, status: 2 },
      ],
      requestedBy: { id: 3, displayName: 'alice', email: 'alice@example.com' },
    });
    expect((await get('/api/v1/request/57')).body.media).toMatchObject({ mediaType: 'movie', tvdbId: null, externalServiceId: 412 });
    expect((await get('/api/v1/request/count')).body).toMatchObject({ total: 3, movie: 2, tv: 1, pending: 1, approved: 2, processing: 1, available: 1 });
  });

  it('a deleted request answers 404 {"message":"Request not found."}', async () => {
    js.deleteRequest(57);
    const res = await get('/api/v1/request/57');
    expect(res).toEqual({ status: 404, body: { message: 'Request not found.' } });
  });

  it('webhook settings: stored base64 of a JSON string literal, GET returns the template text, POST/test take the UI form', async () => {
    const initial = (await get('/api/v1/settings/notifications/webhook')).body;
    expect(initial.options.jsonPayload).toBe(DEFAULT_TEMPLATE);
    expect(js.state.webhook.options.jsonPayload).toBe(encodeTemplate(DEFAULT_TEMPLATE));

    const settings = { enabled: true, types: 222, options: { webhookUrl: hookUrl, authHeader: 'Bearer tok', jsonPayload: JSON.stringify(DEFAULT_TEMPLATE) } };
    const saved = await post('/api/v1/settings/notifications/webhook', settings);
    expect(saved.status).toBe(200);
    expect(((await saved.json()) as any).options.jsonPayload).toBe(encodeTemplate(DEFAULT_TEMPLATE));
    expect((await get('/api/v1/settings/notifications/webhook')).body.options).toMatchObject({ webhookUrl: hookUrl, authHeader: 'Bearer tok', jsonPayload: DEFAULT_TEMPLATE });

    const test = await post('/api/v1/settings/notifications/webhook/test', settings);
    expect(test.status).toBe(204);
    const [hit] = await receiver.waitFor(1);
    expect(hit!.json).toEqual(JSON.parse(readFileSync('test/fixtures/jellyseerr/test-notification.json', 'utf8')));
    expect(hit!.headers.authorization).toBe('Bearer tok');
    expect(hit!.headers['content-type']).toMatch(/^application\/json/);

    receiver.status = 500;
    const failing = await post('/api/v1/settings/notifications/webhook/test', settings);
    expect(failing.status).toBe(500);
    expect(await failing.json()).toEqual({ status: 500, message: 'Failed to send webhook notification.' });
    receiver.status = 200;
  });

  it('notify() renders the configured template: the default one gives exactly payloads.jellyseerr(); types bitmask respected', async () => {
    js.configureWebhook(hookUrl, { authHeader: 'secret' });
    await js.notify('MEDIA_AUTO_APPROVED', obx);
    const [hit] = await receiver.waitFor(1);
    expect(hit!.json).toEqual(jellyseerr('MEDIA_AUTO_APPROVED', obx));
    expect(hit!.headers.authorization).toBe('secret');

    js.configureWebhook(hookUrl, { types: 8 });
    expect(await js.notify('MEDIA_PENDING', dune)).toBeNull();
    expect(await js.notify('MEDIA_PENDING', dune, { force: true })).not.toBeNull();
    const direct = await js.notify('MEDIA_AVAILABLE', dune, { url: `${hookUrl}?direct=1` });
    expect(direct?.status).toBe(200);
    await receiver.waitFor(3);
    expect(receiver.received[2]).toMatchObject({ path: '/webhook/jellyseerr?direct=1', json: jellyseerr('MEDIA_AVAILABLE', dune) });
  });

  it('template engine: all values strings, only the first occurrence replaced, absent entities null', () => {
    const tpl = { a: '{{request_id}}-{{request_id}}', n: '{{media_tmdbid}}', x: '{{unknown}}', '{{media}}': { t: '{{media_type}}' }, '{{issue}}': { i: '{{issue_id}}' }, '{{extra}}': [] };
    const out = renderTemplate(tpl, { vars: { request_id: '7', media_tmdbid: '693134', media_type: 'movie' }, entities: { media: true }, extra: [{ name: 'Requested Seasons', value: '1, 2' }] });
    expect(out).toEqual({ a: '7-{{request_id}}', n: '693134', x: '{{unknown}}', media: { t: 'movie' }, issue: null, extra: [{ name: 'Requested Seasons', value: '1, 2' }] });
  });
});
