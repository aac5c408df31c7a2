/** The Transmission watcher against the loopback stand-in of the RPC: events, one call per cycle, full and incremental reads. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, setLogLevel } from '../../../../src/log.js';
import type { TrackedView } from '../../../../src/watchers/types.js';
import { createTransmissionWatchers, FULL_EVERY_MS, type TransmissionWatcher } from '../../../../src/integrations/transmission/watcher.js';
import { FakeTransmission } from '../../../helpers/transmission.js';
import { RecordingSink } from '../../../helpers/recording-sink.js';

const PASSWORD = 'watcher-Secret-tr-9f8e7d';
const hashOf = (i: number): string => i.toString(16).padStart(40, '0').replace(/^0/, 'b');
const H1 = hashOf(1);
const H2 = hashOf(2);
const H3 = hashOf(3);

const DOWNLOADING = { status: 4, percentDone: 0.25, rateDownload: 1_048_576, eta: 120, sizeWhenDone: 4_000_000, leftUntilDone: 3_000_000, peersSendingToUs: 3 };
const SEEDING = { status: 6, percentDone: 1, rateDownload: 0, eta: -1, sizeWhenDone: 4_000_000, leftUntilDone: 0, peersSendingToUs: 0, doneDate: 1_700_000_000 };

beforeAll(() => setLogLevel('error'));
afterAll(() => setLogLevel('info'));

interface Rig {
  fake: FakeTransmission;
  sink: RecordingSink;
  tracked: Set<string>;
  watcher: TransmissionWatcher;
  now: { ms: number };
}

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.watcher.stop();
    await r.fake.close();
  }
});

async function rig(tracked: string[] = [H1]): Promise<Rig> {
  const fake = await FakeTransmission.start({ username: 'tracker', password: PASSWORD });
  const sink = new RecordingSink();
  const set = new Set(tracked);
  const view: TrackedView = { openRequests: () => [], request: () => undefined, trackedHashes: () => set };
  const now = { ms: Date.parse('2026-01-01T00:00:00Z') };
  const [watcher] = createTransmissionWatchers({
    instances: [{ name: 'main', url: fake.url, username: 'tracker', password: PASSWORD }],
    intervalS: 3600,
    sink,
    view,
    log: createLogger('test'),
    clock: () => new Date(now.ms),
  });
  const r = { fake, sink, tracked: set, watcher: watcher as TransmissionWatcher, now };
  rigs.push(r);
  return r;
}

/** One poll cycle, `ms` later on the watcher's clock. */
async function cycle(r: Rig, ms = 5_000): Promise<void> {
  r.now.ms += ms;
  await r.watcher.poke();
  expect(r.watcher.status().healthy, r.watcher.status().last_error ?? '').toBe(true);
}

describe('Transmission watcher', () => {
  it('emits one download_progress per tracked torrent, in one ingest call, with the documented shape', async () => {
    const r = await rig([H1, H2, H3]);
    r.fake.add(H1, DOWNLOADING);
    r.fake.add(H2, SEEDING);
    r.fake.add(hashOf(9), DOWNLOADING); // not tracked
    await cycle(r);
    expect(r.sink.batches).toHaveLength(1);
    expect(r.sink.progress().find((e) => e.hash === H1)).toEqual({
      kind: 'download_progress',
      key: `transmission:main:${H1}:0.250:downloading`,
      source: 'transmission',
      match: { hash: H1, scope: 'active' },
      hash: H1,
      progress: 0.25,
      speed_bps: 1_048_576,
      eta_s: 120,
      size: 4_000_000,
      complete: false,
      client_state: 'downloading',
      seeds: 3,
      protocol: 'torrent',
    });
    expect(r.sink.progress().find((e) => e.hash === H2)).toMatchObject({ complete: true, progress: 1, client_state: 'seeding', eta_s: null });
    expect(r.sink.progress().map((e) => e.hash)).toHaveLength(2);
    expect(r.sink.stuck()).toEqual([]);
    expect(r.watcher.status()).toMatchObject({ name: 'transmission/main', healthy: true, detail: { torrents: 3, tracked: 2, version: '3.00 (fake)' } });
  });

  it('one torrent-get per cycle: full first, then recently-active; nothing sent when nothing changed', async () => {
    const r = await rig();
    r.fake.add(H1, DOWNLOADING);
    await cycle(r);
    expect(r.fake.count('session-get')).toBe(1);
    for (let i = 0; i < 5; i++) await cycle(r);
    expect(r.fake.count('torrent-get')).toBe(6);
    expect(r.fake.count('session-get')).toBe(1);
    expect(r.watcher.reads).toEqual({ full: 1, recent: 5 });
    expect(r.fake.calls.filter((c) => c.method === 'torrent-get').map((c) => c.arguments.ids ?? 'all')).toEqual(['all', ...Array(5).fill('recently-active')]);
    // Progress unchanged, under a minute: one event only.
    expect(r.sink.progress()).toHaveLength(1);
    r.fake.set(H1, { percentDone: 0.5, leftUntilDone: 2_000_000 });
    await cycle(r);
    expect(r.sink.progress().map((e) => e.progress)).toEqual([0.25, 0.5]);
    // Speed and ETA refreshed once a minute while downloading.
    await cycle(r, 61_000 - 5_000);
    await cycle(r, 40_000);
    expect(r.sink.progress()).toHaveLength(3);
  });

  it('the request count does not grow with the number of tracked requests', async () => {
    const r = await rig(Array.from({ length: 500 }, (_, i) => hashOf(i + 1)));
    for (let i = 1; i <= 500; i++) r.fake.add(hashOf(i), DOWNLOADING);
    await cycle(r);
    const before = r.fake.requests;
    await cycle(r);
    expect(r.fake.requests - before).toBe(1);
    expect(r.sink.progress()).toHaveLength(500);
  });

  it('a gap longer than the recently-active window, and every 10 minutes, is a full read', async () => {
    const r = await rig();
    r.fake.add(H1, DOWNLOADING);
    await cycle(r);
    await cycle(r, 46_000);
    expect(r.watcher.reads).toEqual({ full: 2, recent: 0 });
    for (let t = 0; t < FULL_EVERY_MS - 40_000; t += 40_000) await cycle(r, 40_000);
    const full = r.watcher.reads.full;
    await cycle(r, 40_000);
    expect(r.watcher.reads.full).toBe(full + 1);
  });

  it('a torrent removed before it finished: learnt from `removed` ids → removed + stuck; a finished one removed is nothing', async () => {
    const r = await rig([H1, H2]);
    r.fake.add(H1, DOWNLOADING);
    r.fake.add(H2, SEEDING);
    await cycle(r);
    r.sink.clear();
    r.fake.remove(H1);
    r.fake.remove(H2);
    await cycle(r);
    expect(r.watcher.reads.recent).toBe(1);
    expect(r.sink.progress()).toEqual([expect.objectContaining({ hash: H1, removed: true, complete: false, speed_bps: null, eta_s: null, key: `transmission:main:${H1}:0.250:removed` })]);
    expect(r.sink.stuck()).toEqual([expect.objectContaining({ match: { hash: H1, scope: 'active' }, reason: 'Transmission: torrent removed before it finished' })]);
    expect(r.watcher.torrents.size).toBe(0);
    // Said once.
    r.sink.clear();
    await cycle(r);
    expect(r.sink.events).toEqual([]);
  });

  it('a daemon restart (new session id, new ids): the ids in that answer are not trusted, the next read is full', async () => {
    const r = await rig([H1, H2]);
    r.fake.add(H1, DOWNLOADING);
    r.fake.add(H2, DOWNLOADING);
    await cycle(r);
    r.fake.restart();
    r.fake.set(H1, { percentDone: 0.3 });
    await cycle(r);
    expect(r.watcher.client.renewals).toBe(1);
    expect(r.watcher.reads).toEqual({ full: 1, recent: 1 });
    await cycle(r);
    expect(r.watcher.reads).toEqual({ full: 2, recent: 1 });
    // The id map follows the new run: removing H2 (now id 1, H1's old id) is told right.
    r.sink.clear();
    r.fake.remove(H2);
    await cycle(r);
    expect(r.sink.progress().map((e) => [e.hash, e.removed])).toEqual([[H2, true]]);
    expect(r.watcher.torrents.has(H1)).toBe(true);
  });

  it('a local error (error 3) → download_failed once; back to downloading → progress again', async () => {
    const r = await rig();
    r.fake.add(H1, DOWNLOADING);
    await cycle(r);
    r.sink.clear();
    r.fake.set(H1, { status: 0, error: 3, errorString: 'No space left on device', rateDownload: 0 });
    await cycle(r);
    expect(r.sink.events).toEqual([
      {
        kind: 'download_failed',
        key: `transmission:main:${H1}:failed:0.250:Transmission: No space left on device`,
        source: 'transmission',
        match: { hash: H1, scope: 'active' },
        hash: H1,
        message: 'Transmission: No space left on device',
        episodes: [],
      },
    ]);
    r.fake.set(H1, { rateDownload: 0 });
    await cycle(r);
    expect(r.sink.failed()).toHaveLength(1);
    expect(r.sink.progress()).toEqual([]);
    r.fake.set(H1, { ...DOWNLOADING, error: 0, errorString: '' });
    await cycle(r);
    expect(r.sink.progress()).toEqual([expect.objectContaining({ hash: H1, client_state: 'downloading', complete: false })]);
  });

  it('stuck reasons are sent when they change, and cleared', async () => {
    const r = await rig();
    r.fake.add(H1, { ...DOWNLOADING, status: 0, rateDownload: 0 });
    await cycle(r);
    expect(r.sink.stuck().map((s) => s.reason)).toEqual(['Transmission: paused']);
    r.fake.set(H1, { status: 4, rateDownload: 0, peersSendingToUs: 0 });
    await cycle(r);
    r.fake.set(H1, DOWNLOADING);
    await cycle(r);
    expect(r.sink.stuck().map((s) => s.reason)).toEqual(['Transmission: paused', 'Transmission: stalled, no peers sending data', null]);
  });

  it('a sink failure sends the same events again on the next cycle', async () => {
    const r = await rig();
    r.fake.add(H1, DOWNLOADING);
    r.sink.failNext = 1;
    r.now.ms += 5_000;
    await r.watcher.poke();
    expect(r.watcher.status().healthy).toBe(false);
    await cycle(r);
    expect(r.sink.progress()).toHaveLength(1);
    expect(r.watcher.status().healthy).toBe(true);
  });

  it('a removal the sink could not take is told on the next cycle', async () => {
    const r = await rig();
    r.fake.add(H1, DOWNLOADING);
    await cycle(r);
    r.sink.clear();
    r.fake.remove(H1);
    r.sink.failNext = 1;
    r.now.ms += 5_000;
    await r.watcher.poke();
    expect(r.sink.events).toEqual([]);
    await cycle(r);
    expect(r.sink.progress()).toEqual([expect.objectContaining({ hash: H1, removed: true })]);
    expect(r.sink.stuck().map((s) => s.reason)).toEqual(['Transmission: torrent removed before it finished']);
  });

  it('upper-case download ids from the *arr are matched; covers() answers for this instance', async () => {
    const r = await rig([H1.toUpperCase()]);
    r.fake.add(H1.toUpperCase(), DOWNLOADING);
    await cycle(r);
    expect(r.sink.progress().map((e) => e.hash)).toEqual([H1]);
    expect(r.watcher.covers(H1.toUpperCase())).toBe(true);
    expect(r.watcher.covers(H2.toUpperCase())).toBe(false);
  });
});
