/** The NZBGet watcher against the fake NZBGet over real HTTP: events per tracked download, requests per cycle. */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../../src/log.js';
import type { TrackedView } from '../../../../src/watchers/types.js';
import { NO_DATA_REASON, PAUSED_REASON, QUEUE_PAUSED_REASON, REMOVED_REASON } from '../../../../src/integrations/nzbget/map.js';
import { createNzbgetWatchers, HISTORY_REFRESH_MS, NO_DATA_MS, type NzbgetWatcher, STATUS_REFRESH_MS } from '../../../../src/integrations/nzbget/watcher.js';
import { FakeNzbget, newDroneId } from '../../../fakes/nzbget.js';
import { RecordingSink } from '../../../helpers/recording-sink.js';

const PASSWORD = 'watcher-Nzb-pass-4c3b2a';
const MIB = 1024 * 1024;
const TORRENT = '8f3a2c4e6b1d0f9a7c5e3b2d1f0a9c8e7d6b5a43';

const fakes: FakeNzbget[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.close();
});

async function rig(tracked: string[]) {
  const fake = await FakeNzbget.start({ password: PASSWORD });
  fakes.push(fake);
  const sink = new RecordingSink();
  const set = new Set(tracked.map((t) => t.toLowerCase()));
  const view: TrackedView = { openRequests: () => [], request: () => undefined, trackedHashes: () => set };
  const now = { ms: Date.parse('2026-12-07T18:00:00Z') };
  const [watcher] = createNzbgetWatchers({
    instances: [{ name: 'main', url: fake.url, username: 'nzbget', password: PASSWORD }],
    intervalS: 3600,
    sink,
    view,
    log: createLogger('test'),
    clock: () => new Date(now.ms),
  });
  const w = watcher as NzbgetWatcher;
  /** One cycle `stepMs` after the last; returns the requests it sent, by method. */
  const cycle = async (stepMs = 5000): Promise<Record<string, number>> => {
    now.ms += stepMs;
    const before = { listgroups: fake.count('listgroups'), history: fake.count('history'), status: fake.count('status'), version: fake.count('version'), all: fake.count() };
    await w.poke();
    expect(w.status().healthy, String(w.status().last_error)).toBe(true);
    return {
      listgroups: fake.count('listgroups') - before.listgroups,
      history: fake.count('history') - before.history,
      status: fake.count('status') - before.status,
      version: fake.count('version') - before.version,
      all: fake.count() - before.all,
    };
  };
  return { fake, sink, set, watcher: w, now, cycle };
}

describe('NzbgetWatcher', () => {
  it('queue → measured speed and rising progress → post-processing → SUCCESS, matched on the drone parameter', async () => {
    const A = newDroneId();
    const r = await rig([A, TORRENT]);
    r.fake.add(newDroneId()); // someone else's
    const g = r.fake.add(A, { fileSize: 1000 * MIB });
    expect(g.NZBID).toBe(2);
    expect(await r.cycle()).toMatchObject({ listgroups: 1, history: 0, status: 1, all: 2 });
    expect(r.sink.progress()).toEqual([
      expect.objectContaining({
        hash: A,
        source: 'nzbget',
        match: { hash: A, scope: 'active' },
        progress: 0,
        complete: false,
        client_state: 'DOWNLOADING',
        speed_bps: 4 * MIB,
        size: 1000 * MIB,
        protocol: 'usenet',
      }),
    ]);
    r.fake.set(A, { remaining: 600 * MIB });
    expect(await r.cycle(10_000)).toMatchObject({ listgroups: 1, history: 0, status: 0, all: 1 });
    expect(r.sink.progress().at(-1)).toMatchObject({ progress: 0.4, speed_bps: 40 * MIB, eta_s: 15 });
    r.fake.set(A, { remaining: 0, ppStatus: 'UNPACKING' });
    await r.cycle();
    expect(r.sink.progress().at(-1)).toMatchObject({ progress: 1, complete: false, client_state: 'UNPACKING', speed_bps: null });
    r.fake.finish(A, 'SUCCESS/ALL');
    expect(await r.cycle()).toMatchObject({ listgroups: 1, history: 1, all: 2 });
    expect(r.sink.progress().at(-1)).toMatchObject({ hash: A, progress: 1, complete: true, client_state: 'SUCCESS/ALL', size: 1000 * MIB });
    // Finished and cached: the whole history is not read again every cycle.
    r.sink.clear();
    expect(await r.cycle()).toMatchObject({ listgroups: 1, history: 0, all: 1 });
    expect(r.sink.events).toEqual([]);
    expect(await r.cycle(HISTORY_REFRESH_MS)).toMatchObject({ listgroups: 1, history: 1, all: 2 });
    expect(r.sink.events).toEqual([]);
    expect(r.watcher.status().detail).toMatchObject({ tracked: 1 });
  });

  it.each([1, 500])('with %i tracked downloads a cycle is one listgroups, one history at most, status at most once a minute', async (n) => {
    const ids = Array.from({ length: n }, () => newDroneId());
    const r = await rig(ids);
    for (const id of ids) r.fake.add(id, { remaining: 500 * MIB });
    for (let i = 0; i < 30; i++) r.fake.add(newDroneId());
    expect(await r.cycle()).toEqual({ listgroups: 1, history: 0, status: 1, version: 0, all: 2 });
    expect(r.sink.progress()).toHaveLength(n);
    expect(await r.cycle()).toEqual({ listgroups: 1, history: 0, status: 0, version: 0, all: 1 });
    // Half of them (or the only one) leave the queue: one history read for all of them.
    for (const id of ids.slice(0, Math.ceil(n / 2))) r.fake.finish(id, 'SUCCESS/ALL');
    expect(await r.cycle(STATUS_REFRESH_MS)).toEqual({ listgroups: 1, history: 1, status: n > 1 ? 1 : 0, version: 0, all: n > 1 ? 3 : 2 });
    expect(r.sink.progress().filter((e) => e.complete)).toHaveLength(Math.ceil(n / 2));
    expect(await r.cycle()).toEqual({ listgroups: 1, history: 0, status: 0, version: 0, all: 1 });
  });

  it('nothing tracked: one version call per cycle', async () => {
    const r = await rig([TORRENT]);
    r.fake.add(newDroneId());
    expect(await r.cycle()).toEqual({ listgroups: 0, history: 0, status: 0, version: 1, all: 1 });
    expect(r.watcher.status().detail).toMatchObject({ version: '21.0' });
  });

  it('health below critical is a stuck reason in plain words; a FAILURE/HEALTH history item is one download_failed', async () => {
    const A = newDroneId();
    const r = await rig([A]);
    r.fake.add(A, { health: 832, criticalHealth: 850, remaining: 900 * MIB, fileSize: 1000 * MIB });
    await r.cycle();
    expect(r.sink.stuck()).toEqual([expect.objectContaining({ match: { hash: A, scope: 'active' }, reason: 'NZBGet: health 83.2 % is below the critical 85 % — articles are missing' })]);
    r.fake.finish(A, 'FAILURE/HEALTH', { health: 500 });
    await r.cycle();
    await r.cycle();
    expect(r.sink.failed()).toEqual([
      {
        kind: 'download_failed',
        key: `nzbget:main:${A}:failed:1.000:NZBGet: articles are missing on the news server (out of retention?); health fell below critical (FAILURE/HEALTH, health 50 %, critical 85 %)`,
        source: 'nzbget',
        match: { hash: A, scope: 'active' },
        hash: A,
        message: 'NZBGet: articles are missing on the news server (out of retention?); health fell below critical (FAILURE/HEALTH, health 50 %, critical 85 %)',
        episodes: [],
      },
    ]);
  });

  it('a DELETED/MANUAL history item is FAILED; a final delete (no history) is removed', async () => {
    const A = newDroneId();
    const B = newDroneId();
    const r = await rig([A, B]);
    r.fake.add(A);
    r.fake.add(B);
    await r.cycle();
    r.fake.finish(A, 'DELETED/MANUAL');
    r.fake.remove(B);
    await r.cycle();
    expect(r.sink.failed()).toEqual([expect.objectContaining({ hash: A, message: 'NZBGet: deleted in NZBGet before it finished (DELETED/MANUAL)' })]);
    expect(r.sink.progress().filter((e) => e.removed)).toEqual([expect.objectContaining({ hash: B, removed: true, client_state: 'removed' })]);
    expect(r.sink.stuck()).toEqual([expect.objectContaining({ match: { hash: B, scope: 'active' }, reason: REMOVED_REASON })]);
  });

  it('paused item, paused queue and no data arriving are stuck reasons; they clear when it moves again', async () => {
    const A = newDroneId();
    const B = newDroneId();
    const r = await rig([A, B]);
    r.fake.add(A, { remaining: 800 * MIB });
    r.fake.add(B, { paused: 1000 * MIB, activeDownloads: 0 });
    await r.cycle();
    expect(r.sink.stuck()).toEqual([expect.objectContaining({ match: { hash: B, scope: 'active' }, reason: PAUSED_REASON })]);
    expect(r.sink.progress().find((e) => e.hash === B)).toMatchObject({ client_state: 'PAUSED', speed_bps: null });
    r.sink.clear();
    r.fake.downloadPaused = true;
    await r.cycle(STATUS_REFRESH_MS);
    expect(r.sink.stuck()).toEqual([expect.objectContaining({ match: { hash: A, scope: 'active' }, reason: QUEUE_PAUSED_REASON })]);
    expect(r.sink.progress()).toEqual([expect.objectContaining({ hash: A, client_state: 'QUEUED', speed_bps: null })]);
    r.sink.clear();
    r.fake.downloadPaused = false;
    await r.cycle(STATUS_REFRESH_MS);
    expect(r.sink.stuck()).toEqual([expect.objectContaining({ match: { hash: A, scope: 'active' }, reason: null })]);
    // Downloading, and the remaining size does not move (an unreachable news server).
    r.sink.clear();
    await r.cycle(NO_DATA_MS - 1000);
    expect(r.sink.stuck()).toEqual([]);
    await r.cycle(1000);
    expect(r.sink.stuck()).toEqual([expect.objectContaining({ match: { hash: A, scope: 'active' }, reason: NO_DATA_REASON })]);
    r.fake.set(A, { remaining: 700 * MIB });
    await r.cycle();
    expect(r.sink.stuck().at(-1)).toMatchObject({ reason: null });
  });

  it("covers(): its own downloads, and drone ids it has not looked for yet while it answers; another instance's are left to the *arr queue", async () => {
    const A = newDroneId();
    const r = await rig([A]);
    r.fake.add(A);
    expect(r.watcher.covers(A)).toBe(false); // not healthy yet: never polled
    await r.cycle();
    expect(r.watcher.covers(A)).toBe(true);
    expect(r.watcher.covers(A.toUpperCase())).toBe(true);
    expect(r.watcher.covers(TORRENT)).toBe(false);
    expect(r.watcher.covers('SABnzbd_nzo_abc')).toBe(false);
    const elsewhere = newDroneId();
    r.set.add(elsewhere);
    expect(r.watcher.covers(elsewhere)).toBe(true);
    expect(await r.cycle()).toMatchObject({ history: 1 });
    expect(r.watcher.covers(elsewhere)).toBe(false);
    // Still not there: the history is not read again until it is stale.
    expect(await r.cycle()).toMatchObject({ history: 0 });
    r.fake.fault('listgroups', { status: 500 });
    await r.watcher.poke();
    expect(r.watcher.status().healthy).toBe(false);
    expect(r.watcher.covers(A)).toBe(true);
    expect(r.watcher.covers(newDroneId())).toBe(false);
  });
});
