/** The qBittorrent watcher against the fake qBittorrent over real HTTP on loopback. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, redact, setLogLevel, setLogSink, type Level } from '../../../../src/log.js';
import type { Watcher } from '../../../../src/watchers/loop.js';
import type { TrackedView } from '../../../../src/watchers/types.js';
import { createQbittorrentWatchers, type QbittorrentWatcher } from '../../../../src/integrations/qbittorrent/watcher.js';
import { FakeQbittorrent, type QbFlavour } from '../../../helpers/qbittorrent.js';
import { until } from '../../../helpers/wait.js';
import { RecordingSink } from '../../../helpers/recording-sink.js';

const PASSWORD = 'watcher-Secret-9f8e7d';
const hashOf = (i: number): string => i.toString(16).padStart(40, '0').replace(/^0/, 'a');
const H1 = hashOf(1);
const H2 = hashOf(2);
const H3 = hashOf(3);

function viewOf(hashes: Iterable<string>): TrackedView & { tracked: Set<string> } {
  const tracked = new Set(hashes);
  return { tracked, openRequests: () => [], request: () => undefined, trackedHashes: () => tracked };
}

const logLines: Array<{ level: Level; line: string }> = [];
beforeAll(() => {
  setLogLevel('debug');
  setLogSink((level, line) => logLines.push({ level, line }));
});
afterAll(() => {
  setLogSink(null);
  setLogLevel('info');
});

interface Rig {
  fake: FakeQbittorrent;
  sink: RecordingSink;
  view: ReturnType<typeof viewOf>;
  watcher: QbittorrentWatcher;
  now: { ms: number };
}

const rigs: Rig[] = [];
const started: Watcher[] = [];
afterEach(async () => {
  for (const w of started.splice(0)) await w.stop();
  for (const r of rigs.splice(0)) await r.fake.close();
});

async function rig(opts: { flavour?: QbFlavour; tracked?: string[]; intervalS?: number; timeoutMs?: number; realClock?: boolean; password?: string } = {}): Promise<Rig> {
  const fake = await FakeQbittorrent.start({ flavour: opts.flavour ?? '4.6', password: PASSWORD });
  const sink = new RecordingSink();
  const view = viewOf(opts.tracked ?? [H1]);
  const now = { ms: Date.parse('2026-01-01T00:00:00Z') };
  const [watcher] = createQbittorrentWatchers({
    instances: [{ name: 'main', url: fake.url, username: 'admin', password: opts.password ?? PASSWORD }],
    intervalS: opts.intervalS ?? 3600,
    sink,
    view,
    log: createLogger('test'),
    clock: opts.realClock ? undefined : () => new Date(now.ms),
    timeoutMs: opts.timeoutMs,
  });
  const r = { fake, sink, view, watcher: watcher as QbittorrentWatcher, now };
  rigs.push(r);
  return r;
}

describe('qBittorrent watcher: events', () => {
  it('emits one download_progress per tracked torrent, in one ingest call, with the documented shape', async () => {
    const { fake, sink, watcher } = await rig({ tracked: [H1, H2, H3] });
    fake.add(H1, { progress: 0.61424, dlspeed: 18874368, eta: 312, size: 15_032_385_536, num_seeds: 12 });
    fake.add(H2, { progress: 1, state: 'stalledUP', eta: 8_640_000, dlspeed: 0 });
    fake.add(hashOf(9), { progress: 0.3 }); // not tracked
    // H3 is tracked but lives in another client: nothing.
    await watcher.poke();
    expect(sink.batches).toHaveLength(1);
    const events = sink.progress();
    expect(events.map((e) => e.hash).sort()).toEqual([H1, H2]);
    expect(events.find((e) => e.hash === H1)).toEqual({
      kind: 'download_progress',
      key: `qbittorrent:main:${H1}:0.614:downloading`,
      source: 'qbittorrent',
      match: { hash: H1, scope: 'active' },
      hash: H1,
      progress: 0.61424,
      speed_bps: 18874368,
      eta_s: 312,
      size: 15_032_385_536,
      complete: false,
      client_state: 'downloading',
      seeds: 12,
      protocol: 'torrent',
    });
    expect(events.find((e) => e.hash === H2)).toMatchObject({ complete: true, progress: 1, eta_s: null, client_state: 'stalledUP', key: `qbittorrent:main:${H2}:1.000:stalledUP` });
    expect(sink.stuck()).toEqual([]);
    expect(watcher.status()).toMatchObject({ name: 'qbittorrent/main', healthy: true, last_error: null, detail: { torrents: 3, tracked: 2, api_version: '2.9.3' } });
  });

  it('sends only on meaningful change: progress ≥ 0.001, state, completion, or 60 s while downloading', async () => {
    const { fake, sink, watcher, now } = await rig();
    fake.add(H1, { progress: 0.5 });
    await watcher.poke();
    expect(sink.progress()).toHaveLength(1);
    sink.clear();

    await watcher.poke(); // nothing changed
    fake.update(H1, { progress: 0.5004, dlspeed: 999 }); // below the step
    await watcher.poke();
    fake.update(H1, { progress: 0.5009 });
    await watcher.poke();
    expect(sink.batches).toEqual([]);

    fake.update(H1, { progress: 0.501 }); // 0.001 since the last one sent (0.5)
    await watcher.poke();
    expect(sink.progress().map((e) => e.progress)).toEqual([0.501]);
    sink.clear();

    now.ms += 59_000;
    await watcher.poke();
    expect(sink.batches).toEqual([]);
    now.ms += 1_000; // 60 s since the last one, still downloading: fresh speed/eta
    fake.update(H1, { dlspeed: 5, eta: 100_000 });
    await watcher.poke();
    expect(sink.progress().map((e) => [e.progress, e.speed_bps, e.eta_s])).toEqual([[0.501, 5, 100_000]]);
    sink.clear();

    fake.update(H1, { state: 'stalledDL', dlspeed: 0 }); // state change (+ a stuck reason)
    await watcher.poke();
    expect(sink.progress().map((e) => e.client_state)).toEqual(['stalledDL']);
    sink.clear();
    now.ms += 120_000; // stalled, not downloading: no freshness resend
    await watcher.poke();
    expect(sink.batches).toEqual([]);

    fake.update(H1, { state: 'checkingUP', progress: 1, amount_left: 0 }); // done but re-checking
    await watcher.poke();
    expect(sink.progress().map((e) => [e.client_state, e.complete])).toEqual([['checkingUP', false]]);
    sink.clear();
    fake.update(H1, { state: 'uploading' }); // completion flips
    await watcher.poke();
    expect(sink.progress().map((e) => [e.client_state, e.complete, e.key])).toEqual([['uploading', true, `qbittorrent:main:${H1}:1.000:uploading`]]);
    sink.clear();
    now.ms += 600_000; // complete: no freshness resend
    await watcher.poke();
    expect(sink.batches).toEqual([]);
  });

  it('starts sending for a hash once it becomes tracked, and forgets it when no longer tracked', async () => {
    const { fake, sink, view, watcher } = await rig({ tracked: [] });
    fake.add(H1, { progress: 0.2 });
    await watcher.poke();
    expect(sink.batches).toEqual([]);
    view.tracked.add(H1);
    await watcher.poke();
    expect(sink.progress().map((e) => e.hash)).toEqual([H1]);
    sink.clear();
    view.tracked.delete(H1);
    await watcher.poke();
    view.tracked.add(H1); // tracked again (a retry): sent again even though nothing changed
    await watcher.poke();
    expect(sink.progress().map((e) => e.hash)).toEqual([H1]);
  });

  it('matches hashes case-insensitively and always reports them lower-case', async () => {
    const { fake, sink, watcher } = await rig({ tracked: [H1.toUpperCase()] });
    const upperish = H1.toUpperCase();
    fake.add(upperish, { progress: 0.4 }); // the fake stores it lower-case, as qBittorrent does
    await watcher.poke();
    const [e] = sink.progress();
    expect(e?.hash).toBe(H1);
    expect(e?.match.hash).toBe(H1);
    expect(e?.key).toContain(H1);
  });

  it('if the sink fails, the events are sent again on the next cycle', async () => {
    const { fake, sink, watcher } = await rig();
    fake.add(H1, { progress: 0.3, state: 'stalledDL' });
    sink.failNext = 1;
    await watcher.poke();
    expect(watcher.status().healthy).toBe(false);
    expect(watcher.status().last_error).toContain('store is read-only');
    await watcher.poke();
    expect(sink.batches).toHaveLength(1);
    expect(sink.events.map((e) => e.kind)).toEqual(['download_progress', 'stuck']);
    expect(watcher.status().healthy).toBe(true);
  });
});

describe.each<QbFlavour>(['4.6', '5.2'])('qBittorrent %s watcher: stuck reasons', (flavour) => {
  const paused = flavour === '5.2' ? 'stoppedDL' : 'pausedDL';

  it('sends a stuck event when the reason changes, and reason null when it clears', async () => {
    const { fake, sink, watcher } = await rig({ flavour });
    fake.add(H1, { progress: 0.1 });
    await watcher.poke();
    expect(sink.stuck()).toEqual([]);

    const steps: Array<[string, string | null]> = [
      ['stalledDL', 'qBittorrent: stalled, 0 seeds'],
      ['downloading', null],
      [paused, 'qBittorrent: paused'],
      // Fetching metadata is a normal first step: the stuck monitor judges how long it takes.
      ['metaDL', null],
      ['forcedMetaDL', null], // still no reason: no new stuck event
      ['error', 'qBittorrent: the torrent stopped with an error (disk full or files unreadable? see the qBittorrent log)'],
      ['missingFiles', 'qBittorrent: files missing'],
      ['queuedDL', null],
    ];
    const seen: Array<string | null> = [];
    for (const [state, _reason] of steps) {
      sink.clear();
      fake.update(H1, { state });
      await watcher.poke();
      expect(sink.batches.length).toBeLessThanOrEqual(1);
      expect(sink.progress().map((e) => e.client_state)).toEqual([state]);
      for (const s of sink.stuck()) {
        expect(s).toMatchObject({ source: 'qbittorrent', match: { hash: H1, scope: 'active' } });
        seen.push(s.reason);
      }
    }
    expect(seen).toEqual([
      'qBittorrent: stalled, 0 seeds',
      null,
      'qBittorrent: paused',
      null,
      'qBittorrent: the torrent stopped with an error (disk full or files unreadable? see the qBittorrent log)',
      'qBittorrent: files missing',
      null,
    ]);
    sink.clear();
    await watcher.poke();
    expect(sink.batches).toEqual([]);
  });

  it('a stuck torrent seen for the first time is reported at once', async () => {
    const { fake, sink, watcher } = await rig({ flavour });
    fake.add(H1, { progress: 0, state: 'stalledDL' });
    await watcher.poke();
    expect(sink.batches).toHaveLength(1);
    expect(sink.stuck().map((s) => s.reason)).toEqual(['qBittorrent: stalled, 0 seeds']);
  });

  it('a magnet without metadata is reported as metaDL with an unknown size, queued or stopped too, and not flagged', async () => {
    const { fake, sink, watcher } = await rig({ flavour });
    const noMetadata = { progress: 0, size: 0, total_size: -1, ...(flavour === '5.2' ? { has_metadata: false } : {}) };
    fake.add(H1, { ...noMetadata, state: 'metaDL' });
    await watcher.poke();
    expect(sink.progress()).toMatchObject([{ size: null, client_state: 'metaDL', complete: false }]);
    expect(sink.stuck()).toEqual([]);
    // Queued without metadata: still nothing to download, so the same state (no new event).
    sink.clear();
    fake.update(H1, { state: 'queuedDL' });
    await watcher.poke();
    expect(sink.batches).toEqual([]);
    // Stopped without metadata: still metaDL for the request, but qBittorrent's own "paused" is said.
    fake.update(H1, { state: paused });
    await watcher.poke();
    expect(sink.progress()).toEqual([]);
    expect(sink.stuck().map((s) => s.reason)).toEqual(['qBittorrent: paused']);
    // The metadata arrives: the real state and size from then on.
    sink.clear();
    fake.update(H1, { state: 'downloading', size: 4096, total_size: 4096, ...(flavour === '5.2' ? { has_metadata: true } : {}) });
    await watcher.poke();
    expect(sink.progress()).toMatchObject([{ size: 4096, client_state: 'downloading' }]);
    expect(sink.stuck().map((s) => s.reason)).toEqual([null]);
  });
});

describe('qBittorrent watcher: removal', () => {
  it('a tracked, incomplete torrent that disappears → removed progress + stuck reason; a finished one → nothing', async () => {
    const { fake, sink, watcher } = await rig({ tracked: [H1, H2, H3] });
    fake.add(H1, { progress: 0.42 });
    fake.add(H2, { progress: 1, state: 'pausedUP' });
    fake.add(hashOf(7), { progress: 0.1 });
    await watcher.poke();
    sink.clear();

    fake.remove(H1);
    fake.remove(H2);
    fake.remove(hashOf(7));
    await watcher.poke();
    expect(sink.batches).toHaveLength(1);
    expect(sink.progress()).toEqual([expect.objectContaining({ hash: H1, removed: true, complete: false, progress: 0.42, speed_bps: null, eta_s: null, match: { hash: H1, scope: 'active' } })]);
    expect(sink.stuck()).toEqual([expect.objectContaining({ reason: 'qBittorrent: torrent removed before it finished', match: { hash: H1, scope: 'active' } })]);
    expect(watcher.status().detail).toMatchObject({ torrents: 0, tracked: 0 });

    sink.clear();
    await watcher.poke();
    expect(sink.batches).toEqual([]);

    // Added back (a manual re-add): progress again, and the removal reason clears.
    fake.add(H1, { progress: 0.42 });
    await watcher.poke();
    expect(sink.progress()).toEqual([expect.objectContaining({ hash: H1, client_state: 'downloading' })]);
    expect(sink.progress()[0]?.removed).toBeUndefined();
    expect(sink.stuck().map((s) => s.reason)).toEqual([null]);
  });

  it('a torrent missing from the full snapshot after a server-side reset counts as removed', async () => {
    const { fake, sink, watcher } = await rig({ tracked: [H1, H2] });
    fake.add(H1, { progress: 0.42 });
    fake.add(H2, { progress: 0.2 });
    await watcher.poke();
    sink.clear();
    fake.expireSessions(); // new session ⇒ full snapshot
    fake.remove(H1);
    await watcher.poke();
    expect(sink.progress().map((e) => [e.hash, e.removed])).toEqual([[H1, true]]);
  });
});

describe('qBittorrent watcher: one request per cycle', () => {
  it.each([1, 500])('%i tracked torrents: one sync/maindata per cycle and one ingest call', async (n) => {
    const hashes = Array.from({ length: n }, (_, i) => hashOf(i + 100));
    const { fake, sink, watcher } = await rig({ tracked: hashes });
    for (const h of hashes) fake.add(h, { progress: 0.1 });
    for (let i = 0; i < 50; i++) fake.add(hashOf(i + 5000), { progress: 0.9 }); // untracked noise

    await watcher.poke(); // login + webapiVersion + maindata
    expect(fake.loginCount).toBe(1);
    expect(sink.batches).toHaveLength(1);
    expect(sink.batches[0]).toHaveLength(n);
    const base = watcher.client.requests;
    const baseMaindata = fake.maindataCount;

    const cycles = 5;
    for (let c = 1; c <= cycles; c++) {
      for (const h of hashes) fake.update(h, { progress: 0.1 + c * 0.01 });
      sink.clear();
      await watcher.poke();
      expect(sink.batches).toHaveLength(1);
      expect(sink.batches[0]).toHaveLength(n);
    }
    expect(watcher.client.requests - base).toBe(cycles);
    expect(fake.maindataCount - baseMaindata).toBe(cycles);
    expect(fake.loginCount).toBe(1);
    expect([...fake.counts.keys()].sort()).toEqual(['/api/v2/app/webapiVersion', '/api/v2/auth/login', '/api/v2/sync/maindata']);
    expect(watcher.status().detail).toMatchObject({ torrents: n + 50, tracked: n });
  });

  it('an expired session costs one login and one repeated maindata, then back to one request', async () => {
    const { fake, watcher } = await rig();
    fake.add(H1);
    await watcher.poke();
    fake.expireSessions();
    const before = { login: fake.loginCount, maindata: fake.maindataCount };
    await watcher.poke();
    expect(fake.loginCount - before.login).toBe(1);
    expect(fake.maindataCount - before.maindata).toBe(2); // 403, then the retried call
    await watcher.poke();
    expect(fake.maindataCount - before.maindata).toBe(3);
    expect(watcher.status().healthy).toBe(true);
  });
});

describe('qBittorrent watcher: failures', () => {
  it('wrong credentials: unhealthy, a clear error, no events, and the password never logged', async () => {
    const wrong = 'Not-The-Password-123';
    const { fake, sink, watcher } = await rig({ password: wrong });
    fake.add(H1);
    logLines.length = 0;
    await watcher.poke();
    const s = watcher.status();
    expect(s.healthy).toBe(false);
    expect(s.last_error).toContain('qbittorrent/main: login refused: wrong username or password');
    expect(s.last_error).not.toContain(wrong);
    expect(sink.batches).toEqual([]);
    expect(fake.maindataCount).toBe(0);
    expect(logLines.some((l) => l.line.includes('login refused'))).toBe(true);
    expect(logLines.some((l) => l.line.includes(wrong))).toBe(false);
    expect(redact(`x ${wrong} y`)).toBe('x *** y'); // registered as a secret
  });

  it.each<[string, Parameters<FakeQbittorrent['failMaindata']>[0], RegExp]>([
    ['HTTP 500', { status: 500 }, /answered HTTP 500/],
    ['a timeout', { hang: true }, /failed: UND_ERR_HEADERS_TIMEOUT/],
    ['invalid JSON', { invalidJson: true }, /returned invalid JSON/],
    ['a reset connection', { reset: true }, /failed: /],
  ])('%s: backs off, no crash, no events, recovers after', async (_what, fault, message) => {
    const intervalMs = 60;
    const { fake, sink, watcher } = await rig({ intervalS: intervalMs / 1000, timeoutMs: 150, realClock: true });
    fake.add(H1, { progress: 0.1 });
    await watcher.poke();
    expect(sink.batches).toHaveLength(1);
    sink.clear();

    fake.failMaindata({ ...fault, times: 3 });
    fake.update(H1, { progress: 0.2 });
    const failuresStart = fake.maindataTimes.length;
    watcher.start();
    started.push(watcher);
    await until(() => fake.maindataTimes.length >= failuresStart + 3, 'three failed cycles');
    const s = watcher.status();
    expect(s.healthy).toBe(false);
    expect(s.last_error).toMatch(message);
    expect(s.last_error).toContain('qbittorrent/main');
    expect(sink.batches).toEqual([]);

    await until(() => sink.batches.length > 0, 'recovery');
    expect(watcher.status().healthy).toBe(true);
    expect(sink.progress().map((e) => e.progress)).toEqual([0.2]);
    // Backoff: after the third failure the loop waited 4× the interval (request times are
    // taken when the fake receives them, so a timeout adds to the gap, never subtracts).
    const t = fake.maindataTimes.slice(failuresStart);
    const gapAfterThird = (t[3] ?? 0) - (t[2] ?? 0);
    expect(gapAfterThird).toBeGreaterThanOrEqual(4 * intervalMs - 15);
    const gapAfterSecond = (t[2] ?? 0) - (t[1] ?? 0);
    expect(gapAfterSecond).toBeGreaterThanOrEqual(2 * intervalMs - 15);
    // Exactly one request per cycle even while failing (no hidden retries).
    expect(fake.loginCount).toBe(1);
  });
});
