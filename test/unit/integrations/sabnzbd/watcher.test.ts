/** The SABnzbd watcher against the fake SABnzbd over real HTTP: events per tracked job, requests per cycle. */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../../src/log.js';
import type { TrackedView } from '../../../../src/watchers/types.js';
import { HISTORY_REFRESH_MS, createSabnzbdWatchers, type SabnzbdWatcher } from '../../../../src/integrations/sabnzbd/watcher.js';
import { PAUSED_REASON, QUEUE_PAUSED_REASON, REMOVED_REASON } from '../../../../src/integrations/sabnzbd/map.js';
import { FAIL_MESSAGES, FakeSabnzbd } from '../../../fakes/sabnzbd.js';
import { RecordingSink } from '../../../helpers/recording-sink.js';

const KEY = 'watcher-sab-Key-4c3b2a';
const A = 'SABnzbd_nzo_sf78tpj';
const B = 'SABnzbd_nzo_b2_x9kq';
const a = A.toLowerCase();
const b = B.toLowerCase();
const TORRENT = '8f3a2c4e6b1d0f9a7c5e3b2d1f0a9c8e7d6b5a43';

const fakes: FakeSabnzbd[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.close();
});

/** The tracker's view: lower-cased download ids, as the *arr adapter stores them. */
async function rig(tracked: string[]) {
  const fake = await FakeSabnzbd.start({ apiKey: KEY });
  fakes.push(fake);
  const sink = new RecordingSink();
  const set = new Set(tracked.map((t) => t.toLowerCase()));
  const view: TrackedView = { openRequests: () => [], request: () => undefined, trackedHashes: () => set };
  const now = { ms: Date.parse('2026-12-07T18:00:00Z') };
  const [watcher] = createSabnzbdWatchers({ instances: [{ name: 'main', url: fake.url, api_key: KEY }], intervalS: 3600, sink, view, log: createLogger('test'), clock: () => new Date(now.ms) });
  const w = watcher as SabnzbdWatcher;
  /** One cycle; returns the requests it sent. */
  const cycle = async (): Promise<number> => {
    const before = fake.count();
    await w.poke();
    expect(w.status().healthy).toBe(true);
    return fake.count() - before;
  };
  return { fake, sink, set, watcher: w, now, cycle };
}

describe('SabnzbdWatcher', () => {
  it('queue → rising progress → post-processing → Completed, with the *arr id spelled as SABnzbd does', async () => {
    const r = await rig([A, TORRENT]);
    r.fake.add(A, { mb: 1000, mbleft: 1000 });
    r.fake.add('SABnzbd_nzo_untracked');
    expect(await r.cycle()).toBe(2);
    expect(r.fake.log.last('GET /api mode=queue')?.query.nzo_ids).toBe(A);
    expect(r.fake.log.last('GET /api mode=history')?.query.last_history_update).toBeUndefined();
    expect(r.sink.progress()).toEqual([
      expect.objectContaining({
        hash: a,
        source: 'sabnzbd',
        match: { hash: a, scope: 'active' },
        progress: 0,
        complete: false,
        client_state: 'Downloading',
        speed_bps: 2048 * 1024,
        size: 1000 * 1024 * 1024,
      }),
    ]);
    for (const left of [600, 250]) {
      r.fake.progress(A, left);
      await r.cycle();
    }
    expect(r.sink.progress().map((e) => e.progress)).toEqual([0, 0.4, 0.75]);
    expect(r.sink.progress()[2]?.eta_s).toBe(125); // 250 MiB at 2 MiB/s
    // Nothing changed: no event, and the history answers "unchanged".
    r.sink.clear();
    await r.cycle();
    expect(r.sink.events).toEqual([]);
    expect(r.fake.log.last('GET /api mode=history')?.query.last_history_update).toBe('1');
    r.fake.finish(A, 'Extracting');
    await r.cycle();
    expect(r.sink.progress()).toEqual([expect.objectContaining({ hash: a, progress: 1, complete: false, client_state: 'Extracting' })]);
    r.fake.finish(A, 'Completed');
    await r.cycle();
    expect(r.sink.progress().at(-1)).toMatchObject({ hash: a, progress: 1, complete: true, client_state: 'Completed', size: 1000 * 1024 * 1024 });
    expect(r.watcher.covers(A)).toBe(true);
    expect(r.watcher.covers(A.toLowerCase())).toBe(true);
    expect(r.watcher.covers(TORRENT)).toBe(false);
    // Another instance's job (asked about, not found) is left to the *arr's queue; a grab since the last poll is not.
    r.set.add('sabnzbd_nzo_elsewhere');
    expect(r.watcher.covers('SABnzbd_nzo_elsewhere')).toBe(true);
    await r.cycle();
    expect(r.watcher.covers('SABnzbd_nzo_elsewhere')).toBe(false);
    expect(r.sink.progress().every((e) => e.protocol === 'usenet')).toBe(true);
  });

  it('a failed job: one download_failed with the fail_message in plain words', async () => {
    const r = await rig([A]);
    r.fake.add(A);
    await r.cycle();
    r.fake.fail(A, FAIL_MESSAGES.missingArticles);
    await r.cycle();
    await r.cycle();
    expect(r.sink.failed()).toEqual([
      {
        kind: 'download_failed',
        key: `sabnzbd:main:${a}:failed:1.000:SABnzbd: out of retention / missing articles (Aborted, cannot be completed - https://sabnzbd.org/not-complete)`,
        source: 'sabnzbd',
        match: { hash: a, scope: 'active' },
        hash: a,
        message: 'SABnzbd: out of retention / missing articles (Aborted, cannot be completed - https://sabnzbd.org/not-complete)',
        episodes: [],
      },
    ]);
  });

  it('paused job, paused queue and a removed job are stuck reasons; resuming clears them', async () => {
    const r = await rig([A, B]);
    r.fake.add(A);
    r.fake.add(B, { status: 'Paused' });
    await r.cycle();
    expect(r.sink.stuck()).toEqual([expect.objectContaining({ match: { hash: b, scope: 'active' }, reason: PAUSED_REASON })]);
    r.sink.clear();
    r.fake.paused = true;
    await r.cycle();
    expect(r.sink.stuck()).toEqual([expect.objectContaining({ match: { hash: a, scope: 'active' }, reason: QUEUE_PAUSED_REASON })]);
    expect(r.sink.progress()).toEqual([expect.objectContaining({ hash: a, client_state: 'Queued', speed_bps: null })]);
    r.sink.clear();
    r.fake.paused = false;
    r.fake.set(B, { status: 'Downloading' });
    await r.cycle();
    expect(r.sink.stuck().map((e) => [e.match.hash, e.reason])).toEqual([
      [a, null],
      [b, null],
    ]);
    r.sink.clear();
    r.fake.remove(B);
    await r.cycle();
    expect(r.sink.progress()).toEqual([expect.objectContaining({ hash: b, removed: true })]);
    expect(r.sink.stuck()).toEqual([expect.objectContaining({ match: { hash: b, scope: 'active' }, reason: REMOVED_REASON })]);
    r.sink.clear();
    await r.cycle();
    expect(r.sink.events).toEqual([]);
  });

  it('a job newly tracked, and every 5 minutes, reads the whole history again (the counter restarts with SABnzbd)', async () => {
    const r = await rig([A]);
    r.fake.add(A);
    r.fake.add(B);
    r.fake.finish(B);
    await r.cycle();
    await r.cycle();
    expect(r.fake.log.last('GET /api mode=history')?.query.last_history_update).toBe('2');
    r.set.add(b);
    await r.cycle();
    expect(r.fake.log.last('GET /api mode=history')?.query).toMatchObject({ nzo_ids: `${B},${A}` });
    expect(r.fake.log.last('GET /api mode=history')?.query.last_history_update).toBeUndefined();
    expect(r.sink.progress().at(-1)).toMatchObject({ hash: b, complete: true });
    // SABnzbd restarts: its counter is 1 again; the full read after 5 minutes catches what it hid.
    await r.fake.restart();
    r.fake.finish(A);
    r.fake.historyCounter = 2;
    await r.cycle();
    expect(r.sink.progress().some((e) => e.hash === a && e.complete)).toBe(false);
    r.now.ms += HISTORY_REFRESH_MS;
    await r.cycle();
    expect(r.sink.progress().at(-1)).toMatchObject({ hash: a, complete: true });
  });

  it('a failed ingest is retried on the next cycle', async () => {
    const r = await rig([A]);
    r.fake.add(A);
    r.sink.failNext = 1;
    await r.watcher.poke();
    expect(r.watcher.status().healthy).toBe(false);
    await r.cycle();
    expect(r.sink.progress()).toHaveLength(1);
  });

  it.each([1, 500])('%i tracked downloads: at most two requests per cycle, one with no SABnzbd job tracked', async (n) => {
    const ids = Array.from({ length: n }, (_, i) => `SABnzbd_nzo_job${i.toString(36).padStart(4, '0')}`);
    const r = await rig([...ids, TORRENT]);
    for (const [i, id] of ids.entries()) r.fake.add(id, { mb: 100, mbleft: 100 - (i % 100) });
    for (let c = 0; c < 3; c++) expect(await r.cycle()).toBeLessThanOrEqual(2);
    expect(r.sink.progress()).toHaveLength(n);
    for (const id of ids.slice(0, Math.ceil(n / 2))) r.fake.finish(id);
    expect(await r.cycle()).toBe(2);
    expect(r.sink.progress().filter((e) => e.complete)).toHaveLength(Math.ceil(n / 2));
    r.set.clear();
    expect(await r.cycle()).toBe(1);
  });
});
