/** The Deluge watcher against the loopback stand-in of the Web JSON-RPC: events, one request per cycle, re-login, removal, covers(). */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STALLED_AFTER_MS } from '../../../../src/integrations/deluge/map.js';
import { createDelugeWatchers, type DelugeWatcher } from '../../../../src/integrations/deluge/watcher.js';
import { createLogger, setLogLevel } from '../../../../src/log.js';
import type { TrackedView } from '../../../../src/watchers/types.js';
import { FakeDeluge } from '../../../helpers/deluge.js';
import { RecordingSink } from '../../../helpers/recording-sink.js';

const PASSWORD = 'watcher-Secret-dl-8e7f6a';
const hashOf = (i: number): string => i.toString(16).padStart(40, '0').replace(/^0/, 'd');
const H1 = hashOf(1);
const H2 = hashOf(2);
const H3 = hashOf(3);

const DOWNLOADING = { state: 'Downloading', progress: 25, total_wanted: 4_000_000, total_remaining: 3_000_000, download_payload_rate: 1_048_576, eta: 120, num_seeds: 3, num_peers: 4 };
const SEEDING = { state: 'Seeding', progress: 100, total_wanted: 4_000_000, total_remaining: 0, is_finished: true, eta: 0, num_seeds: 0, num_peers: 1 };

beforeAll(() => setLogLevel('error'));
afterAll(() => setLogLevel('info'));

interface Rig {
  fake: FakeDeluge;
  sink: RecordingSink;
  tracked: Set<string>;
  watcher: DelugeWatcher;
  now: { ms: number };
}

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.watcher.stop();
    await r.fake.close();
  }
});

async function rig(tracked: string[] = [H1], connected = true): Promise<Rig> {
  const fake = await FakeDeluge.start({ password: PASSWORD, connected });
  const sink = new RecordingSink();
  const set = new Set(tracked);
  const view: TrackedView = { openRequests: () => [], request: () => undefined, trackedHashes: () => set };
  const now = { ms: Date.parse('2026-01-01T00:00:00Z') };
  const [watcher] = createDelugeWatchers({
    instances: [{ name: 'main', url: fake.url, password: PASSWORD }],
    intervalS: 3600,
    sink,
    view,
    log: createLogger('test'),
    clock: () => new Date(now.ms),
    timeoutMs: 2_000,
  });
  const r = { fake, sink, tracked: set, watcher: watcher as DelugeWatcher, now };
  rigs.push(r);
  return r;
}

/** One poll cycle, `ms` later on the watcher's clock. */
async function cycle(r: Rig, ms = 5_000): Promise<void> {
  r.now.ms += ms;
  await r.watcher.poke();
  expect(r.watcher.status().healthy, r.watcher.status().last_error ?? '').toBe(true);
}

const reads = (f: FakeDeluge) => f.count('core.get_torrents_status');

describe('Deluge watcher', () => {
  it('emits one download_progress per tracked torrent it holds, in one ingest call, with the documented shape', async () => {
    const r = await rig([H1, H2, H3]);
    r.fake.add(H1, DOWNLOADING);
    r.fake.add(H2, SEEDING);
    r.fake.add(hashOf(9), DOWNLOADING); // not tracked
    await cycle(r);
    expect(r.sink.batches).toHaveLength(1);
    expect(r.sink.progress().find((e) => e.hash === H1)).toEqual({
      kind: 'download_progress',
      key: `deluge:main:${H1}:0.250:Downloading`,
      source: 'deluge',
      match: { hash: H1, scope: 'active' },
      hash: H1,
      progress: 0.25,
      speed_bps: 1_048_576,
      eta_s: 120,
      size: 4_000_000,
      size_left: 3_000_000,
      complete: false,
      client_state: 'Downloading',
      seeds: 3,
      protocol: 'torrent',
    });
    expect(r.sink.progress().find((e) => e.hash === H2)).toMatchObject({ complete: true, progress: 1, client_state: 'Seeding', eta_s: null });
    expect(r.sink.progress()).toHaveLength(2);
    expect(r.sink.stuck()).toEqual([]);
    expect(r.watcher.status()).toMatchObject({ name: 'deluge/main', healthy: true, detail: { tracked: 2, version: '2.0.3' } });
    // The read asked only for the tracked hashes.
    const read = r.fake.calls.filter((c) => c.method === 'core.get_torrents_status').at(-1)!;
    expect(read.params[0]).toEqual({ id: [H1, H2, H3] });
  });

  it('one request per cycle whatever the number of tracked downloads: 1, then 500', async () => {
    const r = await rig([H1]);
    r.fake.add(H1, DOWNLOADING);
    await cycle(r);
    const first = r.fake.requests;
    for (let i = 0; i < 5; i++) await cycle(r);
    expect(r.fake.requests - first).toBe(5);
    expect(reads(r.fake)).toBe(6);
    for (let i = 10; i < 510; i++) {
      r.tracked.add(hashOf(i));
      r.fake.add(hashOf(i), DOWNLOADING);
    }
    const before = r.fake.requests;
    await cycle(r);
    await cycle(r);
    expect(r.fake.requests - before).toBe(2);
    expect(r.sink.batches.at(-1)?.filter((e) => e.kind === 'download_progress')).toHaveLength(500);
    expect((r.fake.calls.at(-1)!.params[0] as { id: string[] }).id).toHaveLength(501);
    expect(r.watcher.status().detail).toMatchObject({ tracked: 501 });
    // Nothing tracked: still one request (the Web UI, the session and the daemon proven).
    r.tracked.clear();
    const idle = r.fake.requests;
    await cycle(r);
    expect(r.fake.requests - idle).toBe(1);
    expect(r.fake.calls.at(-1)?.params[0]).toEqual({ id: [] });
  });

  it('only meaningful changes are sent: progress steps, state changes, and speed/ETA once a minute', async () => {
    const r = await rig();
    r.fake.add(H1, DOWNLOADING);
    await cycle(r);
    await cycle(r);
    expect(r.sink.progress()).toHaveLength(1);
    r.fake.set(H1, { total_remaining: 2_000_000 });
    await cycle(r);
    expect(r.sink.progress().map((e) => e.progress)).toEqual([0.25, 0.5]);
    await cycle(r, 61_000);
    expect(r.sink.progress()).toHaveLength(3);
    r.fake.set(H1, { state: 'Queued' });
    await cycle(r);
    expect(r.sink.progress().at(-1)).toMatchObject({ client_state: 'Queued' });
  });

  it('logs in once, and again after "Not authenticated" (session expired); the password never leaves the login', async () => {
    const r = await rig();
    r.fake.add(H1, DOWNLOADING);
    await cycle(r);
    await cycle(r);
    expect(r.fake.count('auth.login')).toBe(1);
    r.fake.expireSessions();
    await cycle(r);
    expect(r.fake.count('auth.login')).toBe(2);
    expect(r.watcher.client.stats.logins).toBe(2);
    const withPassword = r.fake.calls.filter((c) => JSON.stringify(c.params).includes(PASSWORD)).map((c) => c.method);
    expect(new Set(withPassword)).toEqual(new Set(['auth.login']));
  });

  it('a Web UI not connected to a daemon is connected (127.0.0.1 host); a deluge-web restart is a re-login and a reconnect', async () => {
    const r = await rig([H1], false);
    r.fake.add(H1, DOWNLOADING);
    await cycle(r);
    expect(r.fake.count('web.connect')).toBe(1);
    expect(r.sink.progress()).toHaveLength(1);
    expect(r.watcher.status().detail).toMatchObject({ daemon: '127.0.0.1:58846' });
    r.fake.restartWeb();
    await cycle(r);
    expect(r.fake.count('auth.login')).toBe(2);
    expect(r.fake.count('web.connect')).toBe(2);
    // The daemon down: the cycle fails in plain words, the next one recovers.
    r.fake.restartWeb();
    r.fake.daemonUp = false;
    r.now.ms += 5_000;
    await r.watcher.poke();
    expect(r.watcher.status()).toMatchObject({ healthy: false, last_error: expect.stringContaining('could not connect to 127.0.0.1:58846 (is deluged running?') });
    r.fake.daemonUp = true;
    await cycle(r);
  });

  it('Error before finishing → one download_failed with Deluge`s message, no progress while failed; cleared by a new download', async () => {
    const r = await rig();
    r.fake.add(H1, DOWNLOADING);
    await cycle(r);
    r.fake.set(H1, { state: 'Error', progress: 100, message: 'No space left on device' });
    await cycle(r);
    await cycle(r);
    expect(r.sink.failed()).toEqual([
      {
        kind: 'download_failed',
        key: `deluge:main:${H1}:failed:0.250:Deluge: No space left on device`,
        source: 'deluge',
        match: { hash: H1, scope: 'active' },
        hash: H1,
        message: 'Deluge: No space left on device',
        episodes: [],
      },
    ]);
    expect(r.sink.progress()).toHaveLength(1);
    r.fake.set(H1, { state: 'Downloading', message: 'OK' });
    await cycle(r);
    expect(r.sink.progress()).toHaveLength(2);
  });

  it('stuck reasons: stalled with no peers after a while (not at once), paused, cleared when it moves again', async () => {
    const r = await rig();
    r.fake.add(H1, { ...DOWNLOADING, download_payload_rate: 0, num_seeds: 0, num_peers: 0, eta: 0 });
    await cycle(r);
    await cycle(r, STALLED_AFTER_MS / 2);
    expect(r.sink.stuck()).toEqual([]);
    await cycle(r, STALLED_AFTER_MS / 2);
    expect(r.sink.stuck().map((e) => e.reason)).toEqual(['Deluge: stalled, no peers']);
    r.fake.set(H1, { state: 'Paused' });
    await cycle(r);
    r.fake.set(H1, { state: 'Downloading', download_payload_rate: 5000, num_seeds: 1 });
    await cycle(r);
    expect(r.sink.stuck().map((e) => e.reason)).toEqual(['Deluge: stalled, no peers', 'Deluge: paused', null]);
    // A new peerless stretch starts from zero.
    r.fake.set(H1, { download_payload_rate: 0, num_seeds: 0, num_peers: 0 });
    await cycle(r, STALLED_AFTER_MS);
    expect(r.sink.stuck()).toHaveLength(3);
  });

  it('a tracked torrent removed before it finished → removed + stuck, once; a finished one removed → nothing', async () => {
    const r = await rig([H1, H2]);
    r.fake.add(H1, DOWNLOADING);
    r.fake.add(H2, SEEDING);
    await cycle(r);
    r.fake.remove(H1);
    r.fake.remove(H2);
    await cycle(r);
    await cycle(r);
    expect(r.sink.progress().filter((e) => e.removed)).toEqual([
      expect.objectContaining({ hash: H1, removed: true, progress: 0.25, speed_bps: null, eta_s: null, client_state: 'removed', key: `deluge:main:${H1}:0.250:removed` }),
    ]);
    expect(r.sink.stuck()).toEqual([expect.objectContaining({ match: { hash: H1, scope: 'active' }, reason: 'Deluge: torrent removed before it finished' })]);
  });

  it('a removal the sink could not take is told again on the next cycle', async () => {
    const r = await rig();
    r.fake.add(H1, DOWNLOADING);
    await cycle(r);
    r.fake.remove(H1);
    r.sink.failNext = 1;
    r.now.ms += 5_000;
    await r.watcher.poke();
    expect(r.watcher.status().healthy).toBe(false);
    await cycle(r);
    expect(r.sink.progress().filter((e) => e.removed)).toHaveLength(1);
  });

  it('covers(): a hash it holds (the *arr`s upper case too), an info-hash not looked for yet while healthy; not one it looked for and lacks', async () => {
    const r = await rig([H1, H2]);
    r.fake.add(H1, DOWNLOADING);
    expect(r.watcher.covers(H3)).toBe(false); // never answered yet: not healthy
    await cycle(r);
    expect(r.watcher.covers(H1.toUpperCase())).toBe(true);
    expect(r.watcher.covers(H2.toUpperCase())).toBe(false); // asked about, not there: another client's
    expect(r.watcher.covers(H3.toUpperCase())).toBe(true); // a grab since the last poll
    expect(r.watcher.covers('SABnzbd_nzo_abc123')).toBe(false);
    r.fake.remove(H1);
    await cycle(r);
    expect(r.watcher.covers(H1)).toBe(false);
  });
});
