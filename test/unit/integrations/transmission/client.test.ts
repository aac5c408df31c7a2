/** TrClient against a loopback stand-in of Transmission's RPC: the 409 handshake, Basic auth, errors, the fields asked. */
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../../src/net/service.js';
import { rpcUrl, TORRENT_FIELDS, TrClient } from '../../../../src/integrations/transmission/client.js';
import { FakeTransmission } from '../../../helpers/transmission.js';

const H = '8f3a2c4e6b1d0f9a7c5e3b2d1f0a9c8e7d6b5a43';
const PASSWORD = 'S3cret-tr-passw0rd!';

let fake: FakeTransmission | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function start(): Promise<FakeTransmission> {
  fake = await FakeTransmission.start({ username: 'tracker', password: PASSWORD });
  return fake;
}

const client = (f: FakeTransmission, password = PASSWORD, extra: { timeoutMs?: number } = {}) => new TrClient({ name: 'main', url: f.url, username: 'tracker', password, ...extra });

describe('TrClient', () => {
  it('takes the session id from the 409, sends the call again once, and keeps the id for the next calls', async () => {
    const f = await start();
    f.add(H, { status: 4, percentDone: 0.5 });
    const c = client(f);
    const first = await c.torrents('full');
    expect(first.torrents).toEqual([expect.objectContaining({ hashString: H, status: 4, percentDone: 0.5 })]);
    expect(f.conflicts).toBe(1);
    expect(f.requests).toBe(2);
    expect(c.hasSession).toBe(true);
    await c.torrents('recent');
    expect(f.requests).toBe(3);
    expect(f.conflicts).toBe(1);
    expect(c.renewals).toBe(0);
  });

  it('asks torrent-get for the needed fields only; recent asks "recently-active" and gets removed ids', async () => {
    const f = await start();
    f.add(H);
    const c = client(f);
    await c.torrents('full');
    const id = f.idOf(H);
    f.remove(H);
    const recent = await c.torrents('recent');
    expect(recent).toEqual({ torrents: [], removed: [id] });
    const [full, rec] = f.calls;
    expect(full?.arguments).toEqual({ fields: [...TORRENT_FIELDS] });
    expect(rec?.arguments).toEqual({ fields: [...TORRENT_FIELDS], ids: 'recently-active' });
    expect(TORRENT_FIELDS).toHaveLength(14);
    for (const call of f.calls) expect(call.headers.authorization).toBe(`Basic ${Buffer.from(`tracker:${PASSWORD}`).toString('base64')}`);
  });

  it('after a restart (a new session id) it shakes hands again and counts a renewal', async () => {
    const f = await start();
    const c = client(f);
    await c.torrents('full');
    f.restart();
    await c.torrents('recent');
    expect(f.conflicts).toBe(2);
    expect(c.renewals).toBe(1);
  });

  it('a 409 right after the handshake is an error, not a loop', async () => {
    const f = await start();
    const c = client(f);
    await c.session();
    f.fail.push({ conflict: true }, { conflict: true }, { conflict: true });
    await expect(c.torrents('full')).rejects.toThrow('transmission/main: POST /transmission/rpc answered HTTP 409 again right after the session handshake');
    expect(f.conflicts).toBe(3); // the first handshake, then two: one retry, no more
  });

  it('wrong credentials: a clear error that never contains the password', async () => {
    const f = await start();
    const wrong = 'Wr0ng-password-value';
    const err = await client(f, wrong)
      .torrents('full')
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toBe('transmission/main: authentication refused: wrong username or password (HTTP 401)');
    expect(String((err as Error).stack)).not.toContain(wrong);
    expect(f.calls).toEqual([]);
  });

  it('session-get gives the version', async () => {
    const f = await start();
    const c = client(f);
    expect(await c.session()).toMatchObject({ version: '3.00 (fake)', 'rpc-version': 16 });
    expect(c.version).toBe('3.00 (fake)');
    expect(f.calls[0]?.arguments).toEqual({ fields: ['version', 'rpc-version', 'rpc-version-semver'] });
  });

  it('HTTP 500, invalid JSON, and an error result are UpstreamErrors; no hidden retries', async () => {
    const f = await start();
    const c = client(f);
    await c.session();
    f.fail.push({ status: 500 });
    await expect(c.torrents('full')).rejects.toThrow('transmission/main: POST /transmission/rpc answered HTTP 500');
    f.fail.push({ invalidJson: true });
    await expect(c.torrents('full')).rejects.toThrow("transmission/main: torrent-get returned invalid JSON (is /transmission/rpc Transmission's RPC endpoint?)");
    f.fail.push({ result: 'no such method' });
    await expect(c.torrents('full')).rejects.toThrow('transmission/main: torrent-get failed: no such method');
    f.add(H, {});
    f.fail.push({});
    const before = f.requests;
    await expect(c.torrents('full')).resolves.toMatchObject({ torrents: [{ hashString: H }] });
    expect(f.requests - before).toBe(1);
  });

  it('a hung request times out', async () => {
    const f = await start();
    const c = client(f, PASSWORD, { timeoutMs: 300 });
    await c.session();
    f.fail.push({ hang: true });
    const t0 = Date.now();
    await expect(c.torrents('full')).rejects.toThrow(/transmission\/main: POST \/transmission\/rpc failed: UND_ERR_HEADERS_TIMEOUT/);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('without a username no Authorization header is sent', async () => {
    fake = await FakeTransmission.start();
    const c = new TrClient({ name: 'open', url: fake.url, username: '', password: '' });
    await c.torrents('full');
    expect(fake.calls[0]?.headers.authorization).toBeUndefined();
  });

  it('rpcUrl adds /transmission/rpc unless the URL already names the endpoint', () => {
    expect(rpcUrl('http://nas:9091')).toEqual({ base: 'http://nas:9091', path: '/transmission/rpc' });
    expect(rpcUrl('http://nas:9091/')).toEqual({ base: 'http://nas:9091', path: '/transmission/rpc' });
    expect(rpcUrl('http://nas:9091/transmission')).toEqual({ base: 'http://nas:9091', path: '/transmission/rpc' });
    expect(rpcUrl('https://proxy.lan/tr/transmission/rpc')).toEqual({ base: 'https://proxy.lan', path: '/tr/transmission/rpc' });
    expect(rpcUrl('https://proxy.lan/tr')).toEqual({ base: 'https://proxy.lan', path: '/tr/transmission/rpc' });
  });
});
