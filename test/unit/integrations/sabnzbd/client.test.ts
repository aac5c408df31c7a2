/** SabClient against the fake SABnzbd over real HTTP: filtered queue and history, the counter, key errors that never carry the key. */
import { afterEach, describe, expect, it } from 'vitest';
import { redact } from '../../../../src/log.js';
import { UpstreamError } from '../../../../src/net/service.js';
import { SabClient } from '../../../../src/integrations/sabnzbd/client.js';
import { FAIL_MESSAGES, FakeSabnzbd, type FakeSabOptions } from '../../../fakes/sabnzbd.js';

const KEY = 'sab+K3y/9f8e7d6c5b4a=1';
const A = 'SABnzbd_nzo_sf78tpj';
const B = 'SABnzbd_nzo_k2l9x_a1';
const OTHER = 'SABnzbd_nzo_other123';

let fake: FakeSabnzbd | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function start(opts: Partial<FakeSabOptions> = {}): Promise<FakeSabnzbd> {
  fake = await FakeSabnzbd.start({ apiKey: KEY, ...opts });
  return fake;
}
const client = (f: FakeSabnzbd, apiKey = KEY) => new SabClient({ name: 'main', url: f.url, apiKey });

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

/** Every form in which the key could leak: raw, URL-encoded, base64. */
function leaks(text: string, secret: string): boolean {
  const forms = [secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2), Buffer.from(secret).toString('base64')];
  return forms.some((f) => text.includes(f));
}

describe('SabClient', () => {
  it('reads the queue for the given nzo_ids only, with the key and output=json on the query', async () => {
    const f = await start();
    f.add(A, { mb: 1000, mbleft: 600 });
    f.add(OTHER);
    f.add(B, { status: 'Paused' });
    const c = client(f);
    const q = await c.queue([A, B]);
    expect(q.slots.map((s) => s.nzo_id)).toEqual([A, B]);
    expect(q.slots[0]).toMatchObject({ mb: '1000.00', mbleft: '600.00', percentage: '40', status: 'Downloading' });
    expect(q.kbpersec).toBe('2048.00');
    expect(q.version).toBe('5.0.1');
    const sent = f.log.last('GET /api mode=queue');
    expect(sent?.query).toMatchObject({ mode: 'queue', output: 'json', apikey: KEY, nzo_ids: `${A},${B}`, start: '0', limit: '0' });
    expect(c.requests).toBe(1);
  });

  it('nzo_ids match exactly, as SABnzbd does: a lower-cased id finds nothing', async () => {
    const f = await start();
    f.add(A);
    expect((await client(f).queue([A.toLowerCase()])).slots).toEqual([]);
  });

  it('with no id, asks for one slot (liveness and key check)', async () => {
    const f = await start();
    f.add(A);
    f.add(B);
    const q = await client(f).queue([]);
    expect(q.slots).toHaveLength(1);
    expect(f.log.last('GET /api mode=queue')?.query).toMatchObject({ limit: '1' });
    expect(f.log.last('GET /api mode=queue')?.query.nzo_ids).toBeUndefined();
  });

  it('history: the tracked jobs, their counter, and null while the counter is unchanged', async () => {
    const f = await start();
    f.add(A);
    f.add(B);
    f.finish(A);
    f.fail(B, FAIL_MESSAGES.missingArticles);
    const c = client(f);
    const h = await c.history([A, B], null);
    expect(h?.slots.map((s) => [s.nzo_id, s.status, s.fail_message])).toEqual([
      [B, 'Failed', FAIL_MESSAGES.missingArticles],
      [A, 'Completed', ''],
    ]);
    expect(h?.lastUpdate).toBe(3);
    expect(await c.history([A, B], 3)).toBeNull();
    f.add(OTHER);
    f.finish(OTHER, 'Extracting');
    expect((await c.history([A, B], 3))?.lastUpdate).toBe(4);
    expect(f.log.last('GET /api mode=history')?.query).toMatchObject({ last_history_update: '3', nzo_ids: `${A},${B}` });
  });

  it('keeps a url_base (SABnzbd behind /sabnzbd)', async () => {
    const f = await start({ urlBase: '/sabnzbd' });
    expect(f.url.endsWith('/sabnzbd')).toBe(true);
    expect(await client(f).version()).toBe('5.0.1');
    expect(f.log.last('GET /api mode=version')?.path).toBe('/sabnzbd/api');
  });

  it('version needs no key; fullstatus does', async () => {
    const f = await start({ servers: [{ servername: 'news.example.com', servererror: 'Server news.example.com requires a username and password' }] });
    const wrong = client(f, 'Wr0ng-key-value');
    expect(await wrong.version()).toBe('5.0.1');
    expect(f.log.last('GET /api mode=version')?.query.apikey).toBeUndefined();
    const err = await failure(wrong.fullstatus());
    expect(err.status).toBe(403);
    const status = await client(f).fullstatus();
    expect(status.servers?.[0]).toMatchObject({ servername: 'news.example.com', servererror: expect.stringContaining('requires') });
  });

  it.each<[string, Partial<FakeSabOptions>, string, string]>([
    ['403 API Key Incorrect', {}, 'Wr0ng-key-value', 'sabnzbd/main: mode=queue answered HTTP 403: wrong API key (use the API Key of Config → General, not the NZB Key)'],
    ['403 API Key Required', {}, '', 'sabnzbd/main: mode=queue answered HTTP 403: the API key is missing (use the API Key of Config → General, not the NZB Key)'],
    [
      '403 with API warnings off (empty body)',
      { quietKeyErrors: true },
      'Wr0ng-key-value',
      'sabnzbd/main: mode=queue answered HTTP 403: wrong API key (use the API Key of Config → General, not the NZB Key)',
    ],
    ['the NZB key', { nzbKey: 'nzb-Key-1234567' }, 'nzb-Key-1234567', 'sabnzbd/main: mode=queue answered HTTP 403: wrong API key (use the API Key of Config → General, not the NZB Key)'],
    ['SABnzbd 2.x: 200 error: API Key Incorrect', { keyErrors: 'legacy' }, 'Wr0ng-key-value', 'sabnzbd/main: mode=queue refused: wrong API key (use the API Key of Config → General, not the NZB Key)'],
  ])('%s: a clear error that never contains the key sent', async (_name, opts, sentKey, message) => {
    const f = await start(opts);
    const err = await failure(client(f, sentKey).queue([A]));
    expect(err.message).toBe(message);
    expect(err.status).toBe(403);
    if (sentKey) {
      expect(leaks(`${err.message} ${err.stack} ${JSON.stringify(err)}`, sentKey)).toBe(false);
    }
  });

  it('5xx, invalid JSON, {"status": false}, and an error page echoing the key: no key in any message', async () => {
    const f = await start();
    const c = client(f);
    f.fault('queue', { status: 500, body: `Internal error for apikey=${KEY}` });
    const e500 = await failure(c.queue([A]));
    expect(e500.message).toBe('sabnzbd/main: GET /api answered HTTP 500');
    f.fault('queue', { invalidJson: true });
    expect((await failure(c.queue([A]))).message).toBe('sabnzbd/main: mode=queue returned invalid JSON');
    f.fault('history', { status: 200, body: { status: false, error: 'not implemented' } });
    expect((await failure(c.history([A], null))).message).toBe('sabnzbd/main: mode=history refused: not implemented');
    f.fault('queue', { status: 200, body: { queue: { slots: [{ filename: 'no id' }] } } });
    expect((await failure(c.queue([A]))).message).toMatch(/^sabnzbd\/main: mode=queue returned an unexpected shape/);
    f.fault('queue', { reset: true });
    const reset = await failure(c.queue([A]));
    expect(reset.status).toBeNull();
    for (const e of [e500, reset]) expect(leaks(`${e.message} ${e.stack}`, KEY)).toBe(false);
    // The key is registered as a secret: the one redactor hides it in every form.
    expect(redact(`GET /api?apikey=${encodeURIComponent(KEY)} and ${KEY}`)).not.toContain('K3y');
  });
});
