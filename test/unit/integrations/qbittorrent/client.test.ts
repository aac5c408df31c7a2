/** QbClient against the fake qBittorrent over real HTTP: both login flavours, sessions, errors. */
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../../src/net/service.js';
import { QbClient, sessionCookie } from '../../../../src/integrations/qbittorrent/client.js';
import { FakeQbittorrent, type QbFlavour } from '../../../helpers/qbittorrent.js';

const H = '8f3a2c4e6b1d0f9a7c5e3b2d1f0a9c8e7d6b5a43';
const PASSWORD = 'S3cret-qb-passw0rd!';

let fake: FakeQbittorrent | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

function client(f: FakeQbittorrent, password = PASSWORD, extra: { timeoutMs?: number } = {}): QbClient {
  return new QbClient({ name: 'main', url: f.url, username: 'admin', password, ...extra });
}

describe.each<[QbFlavour, string, number, string]>([
  ['4.6', 'SID', 200, '2.9.3'],
  ['5.2', 'QBT_SID_<port>', 204, '2.15.1'],
])('qBittorrent %s login', (flavour, cookieName, status, webapi) => {
  it(`logs in (HTTP ${status}), keeps the ${cookieName} cookie and reads maindata`, async () => {
    fake = await FakeQbittorrent.start({ flavour, password: PASSWORD });
    fake.add(H, { progress: 0.25 });
    const c = client(fake);
    const data = await c.maindata(0);
    expect(c.cookieName).toBe(fake.cookieName);
    expect(c.loginFlavour).toBe(flavour === '5.2' ? 'v5.2' : 'legacy');
    expect(c.apiVersion).toBe(webapi);
    expect(data.full_update).toBe(true);
    expect(data.torrents?.[H]).toMatchObject({ progress: 0.25, state: 'downloading' });
    expect(data.torrents?.[H]?.hash).toBeUndefined();
    // login + webapiVersion + maindata; then one request per call.
    expect(fake.loginCount).toBe(1);
    const before = c.requests;
    const delta = await c.maindata(data.rid);
    expect(c.requests - before).toBe(1);
    expect(delta.full_update).toBeUndefined();
    expect(delta.torrents).toBeUndefined();
    expect(delta.rid).toBe(data.rid + 1);
  });

  it('sends neither Origin nor Referer', async () => {
    fake = await FakeQbittorrent.start({ flavour, password: PASSWORD });
    await client(fake).maindata(0);
    expect(fake.seenHeaders.length).toBeGreaterThan(0);
    for (const h of fake.seenHeaders) {
      expect(h.origin).toBeUndefined();
      expect(h.referer).toBeUndefined();
    }
  });

  it('refuses wrong credentials with a clear error that never contains the password', async () => {
    fake = await FakeQbittorrent.start({ flavour, password: PASSWORD });
    const wrong = 'Wr0ng-password-value';
    const c = client(fake, wrong);
    const err = await c.maindata(0).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toBe('qbittorrent/main: login refused: wrong username or password');
    expect(String((err as Error).stack)).not.toContain(wrong);
    expect(JSON.stringify(err)).not.toContain(wrong);
    expect(fake.count('/api/v2/sync/maindata')).toBe(0);
    expect(c.hasSession).toBe(false);
  });

  it('logs in again once on 403 (expired session) and carries on', async () => {
    fake = await FakeQbittorrent.start({ flavour, password: PASSWORD });
    fake.add(H);
    const c = client(fake);
    const first = await c.maindata(0);
    const oldCookie = c.cookieName;
    fake.expireSessions();
    const again = await c.maindata(first.rid);
    expect(fake.loginCount).toBe(2);
    expect(c.cookieName).toBe(oldCookie);
    // A new session knows nothing of the old rid: full snapshot.
    expect(again.full_update).toBe(true);
    expect(Object.keys(again.torrents ?? {})).toEqual([H]);
  });
});

describe('QbClient errors', () => {
  it('403 twice in a row (login works but the session is refused) is an error, not a loop', async () => {
    const f = (fake = await FakeQbittorrent.start({ password: PASSWORD }));
    const c = client(f);
    // The server forgets every session right after handing it out.
    const login = c.login.bind(c);
    c.login = async () => {
      await login();
      f.expireSessions();
    };
    await expect(c.maindata(0)).rejects.toThrow('qbittorrent/main: GET /api/v2/sync/maindata answered HTTP 403 right after a login');
    expect(f.loginCount).toBe(2); // the initial login and one retry, no more
    expect(f.maindataCount).toBe(2);
  });

  it('without a username, a 403 says how to fix it', async () => {
    fake = await FakeQbittorrent.start({ password: PASSWORD });
    const c = new QbClient({ name: 'nas', url: fake.url, username: '', password: '' });
    await expect(c.maindata(0)).rejects.toThrow(/qbittorrent\/nas: GET \/api\/v2\/sync\/maindata answered HTTP 403: set username and password/);
    expect(fake.loginCount).toBe(0);
  });

  it('HTTP 500 and invalid JSON are UpstreamErrors naming the path', async () => {
    fake = await FakeQbittorrent.start({ password: PASSWORD });
    const c = client(fake);
    fake.failMaindata({ status: 500 });
    await expect(c.maindata(0)).rejects.toThrow('qbittorrent/main: GET /api/v2/sync/maindata answered HTTP 500');
    fake.failMaindata({ invalidJson: true });
    await expect(c.maindata(0)).rejects.toThrow('qbittorrent/main: GET /api/v2/sync/maindata returned invalid JSON');
    // No hidden retries inside a call: the poll loop backs off instead.
    expect(fake.maindataCount).toBe(2);
    expect((await c.maindata(0)).full_update).toBe(true);
  });

  it('a hung request times out', async () => {
    fake = await FakeQbittorrent.start({ password: PASSWORD });
    const c = client(fake, PASSWORD, { timeoutMs: 300 });
    await c.maindata(0);
    fake.failMaindata({ hang: true });
    const t0 = Date.now();
    await expect(c.maindata(1)).rejects.toThrow(/qbittorrent\/main: GET \/api\/v2\/sync\/maindata failed: UND_ERR_HEADERS_TIMEOUT/);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('sessionCookie takes whatever cookie name the server sets', () => {
    expect(sessionCookie({ headers: { 'set-cookie': 'SID=abc; HttpOnly; path=/' } })).toBe('SID=abc');
    expect(sessionCookie({ headers: { 'set-cookie': ['QBT_SID_8080=x/y+z; HttpOnly; SameSite=Strict; path=/'] } })).toBe('QBT_SID_8080=x/y+z');
    expect(sessionCookie({ headers: { 'set-cookie': 'MyProxySession=1; path=/' } })).toBe('MyProxySession=1');
    expect(sessionCookie({ headers: {} })).toBeNull();
    expect(sessionCookie({ headers: { 'set-cookie': 'SID=; Max-Age=0' } })).toBeNull();
  });
});
