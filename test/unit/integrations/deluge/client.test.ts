/** The Deluge Web JSON-RPC client and doctor against the loopback stand-in: login, cookie, re-login, daemon connection, errors. */
import { afterEach, describe, expect, it } from 'vitest';
import { DelugeClient, jsonUrl, TORRENT_KEYS } from '../../../../src/integrations/deluge/client.js';
import { checkDeluge } from '../../../../src/integrations/deluge/doctor.js';
import type { DoctorContext } from '../../../../src/integrations/types.js';
import { FakeDeluge } from '../../../helpers/deluge.js';
import { freePorts } from '../../../helpers/ports.js';

const PASSWORD = 'client-Secret-dl-4c5d6e';
const H1 = 'a'.repeat(40);
const fakes: FakeDeluge[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.close();
});
async function fake(opts: Parameters<typeof FakeDeluge.start>[0] = {}): Promise<FakeDeluge> {
  const f = await FakeDeluge.start({ password: PASSWORD, ...opts });
  fakes.push(f);
  return f;
}
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as Error,
  );

describe('jsonUrl', () => {
  it('adds /json, keeps a reverse proxy prefix, and leaves a URL already ending in /json alone', () => {
    expect(jsonUrl('http://deluge:8112')).toEqual({ base: 'http://deluge:8112', path: '/json' });
    expect(jsonUrl('http://nas/deluge/')).toEqual({ base: 'http://nas', path: '/deluge/json' });
    expect(jsonUrl('https://nas:443/deluge/json')).toEqual({ base: 'https://nas', path: '/deluge/json' });
  });
});

describe('DelugeClient', () => {
  it('logs in once, sends the _session_id cookie back, and reads only the keys it needs', async () => {
    const f = await fake({ connected: true });
    f.add(H1, { state: 'Downloading', total_wanted: 100, total_remaining: 40 });
    const c = new DelugeClient({ name: 'main', url: f.url, password: PASSWORD });
    expect(await c.torrents([H1])).toEqual({ [H1]: expect.objectContaining({ hash: H1, state: 'Downloading', total_remaining: 40 }) });
    expect(await c.torrents([H1, 'b'.repeat(40)])).toEqual({ [H1]: expect.objectContaining({ hash: H1 }) });
    expect(f.calls.map((x) => x.method)).toEqual(['auth.login', 'core.get_torrents_status', 'core.get_torrents_status']);
    expect(f.calls[0]?.params).toEqual([PASSWORD]);
    const read = f.calls[2]!;
    expect(read.headers.cookie).toMatch(/^_session_id=[0-9a-f]{64}\d*$/);
    expect(read.headers['content-type']).toBe('application/json');
    expect(read.params).toEqual([{ id: [H1, 'b'.repeat(40)] }, [...TORRENT_KEYS]]);
    expect(c.stats).toEqual({ logins: 1, connects: 0, torrentReads: 2 });
  });

  it('a wrong password: auth.login answers false → a clear error without the password', async () => {
    const f = await fake({ connected: true });
    const wrong = 'Wr0ng-deluge-pass';
    const c = new DelugeClient({ name: 'main', url: f.url, password: wrong });
    const err = await errorOf(c.torrents([H1]));
    expect(err?.message).toBe('deluge/main: login refused: wrong Web UI password');
    expect(String(err?.stack)).not.toContain(wrong);
    expect(f.count('core.get_torrents_status')).toBe(0);
  });

  it('"Not authenticated" (error 1: expired session, deluge-web restarted) → one fresh login and the call again', async () => {
    const f = await fake({ connected: true });
    const c = new DelugeClient({ name: 'main', url: f.url, password: PASSWORD });
    await c.torrents([]);
    f.expireSessions();
    expect(await c.torrents([])).toEqual({});
    expect(f.calls.map((x) => x.method)).toEqual(['auth.login', 'core.get_torrents_status', 'core.get_torrents_status', 'auth.login', 'core.get_torrents_status']);
    expect(c.stats.logins).toBe(2);
    // Error 1 right after a login is not a loop.
    const notAuth = { method: 'core.get_torrents_status', error: { message: 'Not authenticated', code: 1 } };
    f.fail.push(notAuth, notAuth);
    expect((await errorOf(c.torrents([])))?.message).toBe('deluge/main: core.get_torrents_status failed: Not authenticated (error 1)');
  });

  it('a Web UI with no daemon: error 2 → web.connected, web.get_hosts, web.connect to the 127.0.0.1 entry, the call again', async () => {
    const f = await fake({
      connected: false,
      hosts: [
        ['remote0', '10.0.0.9', 58846, 'user'],
        ['local01', '127.0.0.1', 58846, 'localclient'],
      ],
    });
    const c = new DelugeClient({ name: 'main', url: f.url, password: PASSWORD });
    expect(await c.daemonVersion()).toBe('2.0.3');
    expect(f.calls.map((x) => x.method)).toEqual(['auth.login', 'daemon.get_version', 'web.connected', 'web.get_hosts', 'web.connect', 'web.connected', 'daemon.get_version']);
    expect(f.calls.find((x) => x.method === 'web.connect')?.params).toEqual(['local01']);
    expect(c.connectedTo).toBe('127.0.0.1:58846');
    expect(c.stats.connects).toBe(1);
  });

  it('the daemon down: a plain error naming the host, and the next call checks the connection first', async () => {
    const f = await fake({ connected: false });
    f.daemonUp = false;
    const c = new DelugeClient({ name: 'main', url: f.url, password: PASSWORD });
    const err = await errorOf(c.torrents([H1]));
    expect(err?.message).toBe('deluge/main: the Web UI is not connected to a daemon and could not connect to 127.0.0.1:58846 (is deluged running? is the host-list login right?)');
    f.daemonUp = true;
    f.calls.length = 0;
    expect(await c.torrents([H1])).toEqual({});
    expect(f.calls.map((x) => x.method)).toEqual(['web.connected', 'web.get_hosts', 'web.connect', 'web.connected', 'core.get_torrents_status']);
    // Healthy again: one request per read.
    f.calls.length = 0;
    await c.torrents([H1]);
    expect(f.calls.map((x) => x.method)).toEqual(['core.get_torrents_status']);
  });

  it('a daemon call that never answers (2.0.3 after its daemon went away) → time-out, then the connection is checked and made', async () => {
    const f = await fake({ connected: true });
    const c = new DelugeClient({ name: 'main', url: f.url, password: PASSWORD, timeoutMs: 300 });
    await c.torrents([]);
    f.connected = false;
    f.fail.push({ hang: true });
    expect(await c.torrents([H1])).toEqual({});
    expect(f.calls.slice(2).map((x) => x.method)).toEqual(['core.get_torrents_status', 'web.connected', 'web.get_hosts', 'web.connect', 'web.connected', 'core.get_torrents_status']);
  });

  it('a daemon error with the daemon connected is the error itself (no reconnect)', async () => {
    const f = await fake({ connected: true });
    const c = new DelugeClient({ name: 'main', url: f.url, password: PASSWORD });
    f.fail.push({ method: 'daemon.get_version', error: { message: 'InvalidTorrentError: torrent_id not in session', code: 4 } });
    expect((await errorOf(c.daemonVersion()))?.message).toBe('deluge/main: daemon.get_version failed: InvalidTorrentError: torrent_id not in session (error 4)');
    expect(f.count('web.connect')).toBe(0);
  });

  it('HTTP errors, invalid JSON and a wrong path are named plainly', async () => {
    const f = await fake({ connected: true });
    const c = new DelugeClient({ name: 'main', url: f.url, password: PASSWORD });
    f.fail.push({ method: 'auth.login', status: 502 });
    expect((await errorOf(c.torrents([])))?.message).toBe('deluge/main: POST /json answered HTTP 502');
    f.fail.push({ method: 'auth.login', invalidJson: true });
    expect((await errorOf(c.torrents([])))?.message).toBe("deluge/main: auth.login returned invalid JSON (is /json Deluge's Web UI endpoint?)");
    await c.login();
    f.fail.push({ method: 'core.get_torrents_status', status: 500 }, { method: 'web.connected', status: 500 });
    expect((await errorOf(c.torrents([])))?.message).toBe('deluge/main: POST /json answered HTTP 500');
    const wrongPath = new DelugeClient({ name: 'main', url: `${f.url}/deluge`, password: PASSWORD });
    expect((await errorOf(wrongPath.torrents([])))?.message).toBe('deluge/main: POST /deluge/json (auth.login) answered HTTP 404');
  });
});

const ctx = { subject: (instance: string | null) => ({ integration: 'deluge', instance, label: 'Deluge' }), timeoutMs: 2_000 } as unknown as DoctorContext;
const brief = (checks: Awaited<ReturnType<typeof checkDeluge>>) => checks.map((c) => [c.check, c.status, c.summary]);

describe('checkDeluge', () => {
  it('all ok: reachable, authenticated, and the daemon version (connecting the Web UI when it has no daemon)', async () => {
    const f = await fake({ connected: false });
    const checks = await checkDeluge({ name: 'nas', url: f.url, password: PASSWORD }, ctx);
    expect(brief(checks)).toEqual([
      ['reachable', 'ok', `Deluge (nas) answers at ${f.url}/`],
      ['authenticated', 'ok', 'Deluge (nas) accepts the Web UI password'],
      ['version', 'ok', 'Deluge (nas): daemon 2.0.3, the Web UI connected just now to the daemon at 127.0.0.1:58846'],
    ]);
    expect(checks.map((c) => c.id)).toEqual(['deluge/nas/reachable', 'deluge/nas/authenticated', 'deluge/nas/version']);
  });

  it('a wrong password: reachable, not authenticated, version skipped; the password is nowhere', async () => {
    const f = await fake({ connected: true });
    const wrong = 'Wr0ng-doctor-deluge';
    const checks = await checkDeluge({ name: 'nas', url: f.url, password: wrong }, ctx);
    expect(checks.map((c) => [c.check, c.status])).toEqual([
      ['reachable', 'ok'],
      ['authenticated', 'error'],
      ['version', 'skipped'],
    ]);
    expect(checks[1]).toMatchObject({ summary: 'Deluge (nas) refuses the Web UI password', detail: 'deluge/nas: login refused: wrong Web UI password' });
    expect(JSON.stringify(checks)).not.toContain(wrong);
  });

  it('no daemon to connect to: the version check says so in plain words', async () => {
    const f = await fake({ connected: false });
    f.daemonUp = false;
    const checks = await checkDeluge({ name: 'nas', url: f.url, password: PASSWORD }, ctx);
    expect(checks[2]).toMatchObject({ check: 'version', status: 'error', detail: expect.stringContaining('could not connect to 127.0.0.1:58846') });
  });

  it('nothing listening: unreachable, the rest skipped; a non-Deluge answer: not Deluge', async () => {
    const [port] = await freePorts(1);
    const checks = await checkDeluge({ name: 'nas', url: `http://127.0.0.1:${port}`, password: PASSWORD }, ctx);
    expect(checks.map((c) => [c.check, c.status])).toEqual([
      ['reachable', 'error'],
      ['authenticated', 'skipped'],
      ['version', 'skipped'],
    ]);
    expect(checks[0]?.detail).toMatch(/ECONNREFUSED/);
    const f = await fake();
    const other = await checkDeluge({ name: 'nas', url: `${f.url}/nothing-here`, password: PASSWORD }, ctx);
    expect(other[0]).toMatchObject({ check: 'reachable', status: 'error', summary: expect.stringContaining("does not answer as Deluge's Web UI does") });
  });
});
