/**
 * Watcher benchmarks, run by the orchestrator (run.ts); the report part is watch-report.ts. Each
 * scenario is a real tracker in its own process (watch-target.ts) whose watchers poll the test
 * fakes of qBittorrent and Jellyfin (test/fakes/), served from this process over loopback; an mqtt.js subscriber on
 * the tracker's embedded broker sees what Home Assistant would see. A change is made in the
 * upstream and its arrival on MQTT timed here, on one clock.
 *
 *   1. A download's change → retained `media/<id>/state`, for each download path (qBittorrent,
 *      Transmission, SABnzbd, the *arr queue; watch-clients.ts): polling every second, the
 *      download's progress is changed at a random phase of the poll interval.
 *   2. Jellyfin ItemAdded webhook → AVAILABLE: a movie request at IMPORTING, the item added to
 *      Jellyfin, the webhook plugin's "Send All Properties" JSON posted to `/hooks/jellyfin`;
 *      the watcher verifies the item against the API before the request becomes AVAILABLE.
 *   3. Upstream requests per poll cycle with 1 and with 500 tracked requests, counted at the
 *      upstreams, qBittorrent and Jellyfin side by side.
 */
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { fakeHash, jellyseerr, radarrDownload, radarrGrab, type MovieSpec } from '../src/demo/payloads.js';
import type { WatcherStatus } from '../src/watchers/loop.js';
import { FakeQbittorrent } from '../test/fakes/qbittorrent.js';
import { CLIENT_INTERVAL_S, CLIENT_PATHS, CLIENT_SCENARIOS, type ClientPath } from './watch-clients.js';
import { addMovie, requestsSince, startJellyfin, type Jellyfin } from './fakes.js';
import { Peer } from './peer.js';
import { rng, SEED } from './population.js';
import { EPISODES_PER_SEASON, LIBRARY_MOVIES, LIBRARY_SERIES_UNTRACKED, MAX_TRACKED, showHash, tracked, UNTRACKED_TORRENTS } from './watch-population.js';
import { hook, post, retained, States } from './watch-io.js';
import type { WatchReady, WatchTargetConfig } from './watch-target.js';

export const WATCH_SCENARIOS = [...CLIENT_SCENARIOS, 'jellyfin-latency', 'requests-per-cycle'] as const;
export type WatchScenario = (typeof WATCH_SCENARIOS)[number];

export const JF_GOAL_MS = 1000;
/** Default poll intervals (config/schema.ts), simulated in scenario 3. */
export const QB_DEFAULT_S = 5;
export const JF_DEFAULT_S = 60;
/** Cycles counted per service and configuration in scenario 3 (qBittorrent: 150 s; Jellyfin: one simulated hour). */
export const COUNT_CYCLES = { qbittorrent: 30, jellyfin: 60 } as const;
/**
 * Jellyfin cycles run before counting, the same number at both sizes: the start-up phase, in
 * which the episode list of every tracked series is read once (3 per cycle).
 */
export const JF_WARMUP_CYCLES = 30;
const COUNT_TRACKED = [1, MAX_TRACKED] as const;

export interface LatencyResult {
  /** Change (or webhook sent) → state message received, ms. */
  ms: number[];
  /** Scenario 1: the poll that carried the change answered → state received (the tracker's own work), ms. */
  afterPollMs?: number[];
  /** Scenario 1: when the change was made, ms after the previous poll. */
  phaseMs?: number[];
  /** Scenario 2: webhook sent → HTTP response read, ms. */
  httpMs?: number[];
  /** Scenario 2: Jellyfin API requests per webhook (the verification). */
  apiPerHook?: number[];
  /** A fresh subscriber received the last value as a retained message. */
  retainedOk: boolean;
  problems: string[];
}

export interface CountRun {
  tracked: number;
  /** Requests in the tracker's store when it started. */
  stored: number;
  /** Tracked torrents the qBittorrent watcher found. */
  trackedTorrents: number | null;
  first: { qbittorrent: Record<string, number>; jellyfin: Record<string, number> };
  /** Jellyfin cycles after the first and before the counted ones: per cycle, and their routes summed. */
  warmup: { jellyfin: number[]; routes: Record<string, number> };
  /** Requests per measured cycle, and their routes summed over the cycles. */
  cycles: { qbittorrent: number[]; jellyfin: number[] };
  routes: { qbittorrent: Record<string, number>; jellyfin: Record<string, number> };
  cycleMs: { qbittorrent: number[]; jellyfin: number[] };
  problems: string[];
}

export interface WatchResults {
  samples: number;
  /** Scenario 1, per download path that ran. */
  clients: Array<{ path: ClientPath; res: LatencyResult }>;
  jf: LatencyResult | null;
  counts: CountRun[] | null;
  ms: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------
// A tracker process

function startTarget(config: WatchTargetConfig, track: (p: Peer) => void): Peer {
  const child = fork(fileURLToPath(new URL('./watch-target.js', import.meta.url)), [JSON.stringify(config)], { stdio: 'inherit' });
  const peer = new Peer(config.name, child);
  track(peer);
  return peer;
}

async function finish(peer: Peer): Promise<void> {
  try {
    await peer.request({ type: 'finish' }, 'final', 30_000);
  } catch {
    // already gone
  }
  await peer.waitExit(5_000);
  peer.kill();
}

// ---------------------------------------------------------------------------------------
// 1. A download's change in its upstream → retained MQTT state, per path (watch-clients.ts)

async function clientLatency(path: ClientPath, samples: number, track: (p: Peer) => void): Promise<LatencyResult> {
  const m: MovieSpec = {
    requestId: 7_300_001,
    tmdbId: 7_300_001,
    title: 'Bench Latency Movie',
    year: 2024,
    radarrId: 73_001,
    hash: path.downloadId,
  };
  const rig = await path.rig(m);
  const peer = startTarget({ name: path.scenario, services: rig.services, tracked: 0 }, track);
  let states: States | null = null;
  try {
    await peer.request(null, 'prepared');
    const ready = await peer.request<WatchReady>({ type: 'start' }, 'ready');
    states = await States.connect(ready.mqttUrl);
    const topic = `media/jellyseerr-${m.requestId}/state`;
    await hook(ready, '/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
    await hook(ready, '/hooks/radarr', rig.grab);
    const near = (x: unknown, p: number) => typeof x === 'number' && Math.abs(x - p) < 5e-5;
    await states.until(topic, (s) => s.state === 'DOWNLOADING' && near(s.progress, 0.1), 'DOWNLOADING at 10 %');

    const out: LatencyResult = { ms: [], afterPollMs: [], phaseMs: [], retainedOk: false, problems: [] };
    // Stratified random phases: sample i waits a random time inside its own 1/samples of the
    // interval (seeded; the strata in shuffled order), so the whole interval is covered.
    const r = rng(SEED + 10);
    const strata = Array.from({ length: samples }, (_, i) => i);
    for (let i = strata.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [strata[i], strata[j]] = [strata[j]!, strata[i]!];
    }
    let p = 0.1;
    for (let i = 0; i < samples; i++) {
      // The previous state message followed a poll by a few ms, and the next poll comes one
      // interval after that one ended: this wait is the phase of the change within the interval.
      await sleep(((strata[i]! + r()) / samples) * CLIENT_INTERVAL_S * 1000);
      p = Math.round((p + 0.01) * 100) / 100;
      const want = p;
      const arrival = states.next(topic, (s) => near(s.progress, want), `progress ${want}`);
      const lastPoll = rig.polls().at(-1) ?? NaN;
      const t0 = performance.now();
      rig.setProgress(want);
      const at = await arrival;
      const served = rig.polls().find((t) => t >= t0) ?? NaN;
      out.ms.push(at - t0);
      out.afterPollMs!.push(at - served);
      out.phaseMs!.push(t0 - lastPoll);
    }
    const last = await retained(ready.mqttUrl, topic);
    out.retainedOk = near(last?.progress, p);
    if (!out.retainedOk) out.problems.push(`a new subscriber got retained progress ${String(last?.progress)}, expected ${p}`);
    return out;
  } finally {
    await states?.close();
    await finish(peer);
    await rig.close();
  }
}

// ---------------------------------------------------------------------------------------
// 2. Jellyfin ItemAdded webhook → AVAILABLE

async function jfLatency(samples: number, track: (p: Peer) => void): Promise<LatencyResult> {
  const { jf, service } = await startJellyfin();
  for (let k = 0; k < LIBRARY_MOVIES; k++) addMovie(jf, `Bench Library Movie ${k}`, 1990 + (k % 35), 8_000_000 + k);
  const peer = startTarget(
    {
      name: 'jellyfin-latency',
      // A long interval: only the webhook path can make a request AVAILABLE.
      services: { jellyfin: service, intervals: { jellyfin_s: 3600 } },
      tracked: 0,
    },
    track,
  );
  let states: States | null = null;
  try {
    await peer.request(null, 'prepared');
    const ready = await peer.request<WatchReady>({ type: 'start' }, 'ready');
    states = await States.connect(ready.mqttUrl);
    const out: LatencyResult = { ms: [], httpMs: [], apiPerHook: [], retainedOk: false, problems: [] };
    let topic = '';
    for (let i = 0; i < samples; i++) {
      const m: MovieSpec = {
        requestId: 7_400_000 + i,
        tmdbId: 7_400_000 + i,
        title: `Bench Jellyfin Movie ${i}`,
        year: 2024,
        radarrId: 74_000 + i,
        hash: fakeHash(`watch-latency-jf:${i}`),
      };
      topic = `media/jellyseerr-${m.requestId}/state`;
      await hook(ready, '/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
      await hook(ready, '/hooks/radarr', radarrGrab(m));
      await hook(ready, '/hooks/radarr', radarrDownload(m));
      await states.until(topic, (s) => s.state === 'IMPORTING', `request ${i} at IMPORTING`);
      const item = addMovie(jf, m.title, m.year, m.tmdbId);
      // The plugin's default content type is text/plain, whatever the body.
      const body = JSON.stringify(jf.webhookData(item, 'ItemAdded'));
      const arrival = states.next(topic, (s) => s.state === 'AVAILABLE', `request ${i} AVAILABLE`);
      const before = jf.log.count();
      const t0 = performance.now();
      const res = await post(ready, '/hooks/jellyfin', body, 'text/plain; charset=utf-8');
      const tHttp = performance.now();
      if (res.status !== 200 || !Array.isArray(res.json.results) || res.json.results.length === 0) {
        out.problems.push(`webhook ${i}: HTTP ${res.status} ${JSON.stringify(res.json).slice(0, 200)}`);
      }
      const at = await arrival;
      out.ms.push(at - t0);
      out.httpMs!.push(tHttp - t0);
      out.apiPerHook!.push(jf.log.count() - before);
    }
    const last = await retained(ready.mqttUrl, topic);
    out.retainedOk = last?.state === 'AVAILABLE';
    if (!out.retainedOk) out.problems.push(`a new subscriber got retained state ${String(last?.state)}, expected AVAILABLE`);
    return out;
  } finally {
    await states?.close();
    await finish(peer);
    await jf.stop();
  }
}

// ---------------------------------------------------------------------------------------
// 3. Upstream requests per poll cycle, 1 vs 500 tracked requests

/** The same upstream content for every configuration: only the number of tracked requests changes. */
function stock(qb: FakeQbittorrent, jf: Jellyfin): void {
  const all = tracked(MAX_TRACKED);
  for (const m of all.movies) qb.add(m.hash, { progress: 0.3, size: 15_032_385_536, state: 'downloading' });
  for (const s of all.shows) qb.add(showHash(s), { progress: 0.3, size: 5_600_000_000, state: 'downloading', category: 'tv-sonarr' });
  for (let k = 0; k < UNTRACKED_TORRENTS; k++) qb.add(fakeHash(`watch-untracked:${k}`), { progress: 1, state: 'stalledUP', amount_left: 0, dlspeed: 0, eta: 8_640_000 });
  for (let k = 0; k < LIBRARY_MOVIES; k++) addMovie(jf, `Bench Library Movie ${k}`, 1990 + (k % 35), 8_000_000 + k);
  // Tracked series: season 1 is in the library, the requested season 2 not yet.
  for (const s of all.shows) {
    const series = jf.addSeries({ name: s.title, year: s.year, tmdbId: s.tmdbId, tvdbId: s.tvdbId });
    for (let e = 1; e <= EPISODES_PER_SEASON; e++) jf.addEpisode(series, { season: 1, episode: e });
  }
  for (let k = 0; k < LIBRARY_SERIES_UNTRACKED; k++) {
    const series = jf.addSeries({ name: `Bench Library Series ${k}`, year: 2000 + (k % 25), tmdbId: 8_100_000 + k, tvdbId: 8_100_000 + k });
    for (let e = 1; e <= EPISODES_PER_SEASON; e++) jf.addEpisode(series, { season: 1, episode: e });
  }
  // The library existed long before the tracker started: nothing in it was saved recently.
  const longAgo = new Date(Date.now() - 86_400_000).toISOString();
  for (const item of jf.state.items) item.DateLastSaved = longAgo;
}

function addRoutes(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

async function countRun(n: number, qb: FakeQbittorrent, jf: Jellyfin, jfService: { url: string; api_key: string }, track: (p: Peer) => void): Promise<CountRun> {
  const peer = startTarget(
    {
      name: `requests-${n}`,
      services: {
        qbittorrent: [{ name: 'bench', url: qb.url, username: qb.username, password: qb.password }],
        jellyfin: jfService,
        // No timer-driven cycle: every counted cycle is one poke.
        intervals: { qbittorrent_s: 3600, jellyfin_s: 3600 },
      },
      tracked: n,
      simulatedClock: true,
    },
    track,
  );
  try {
    const { requests } = await peer.request<{ requests: number }>(null, 'prepared', 60_000);
    const before = { qb: qb.log.count(), jf: jf.log.count() };
    const ready = await peer.request<WatchReady>({ type: 'start' }, 'ready', 60_000);
    const run: CountRun = {
      tracked: n,
      stored: requests,
      trackedTorrents: null,
      first: { qbittorrent: requestsSince(qb.log, before.qb), jellyfin: requestsSince(jf.log, before.jf) },
      warmup: { jellyfin: [], routes: {} },
      cycles: { qbittorrent: [], jellyfin: [] },
      routes: { qbittorrent: {}, jellyfin: {} },
      cycleMs: { qbittorrent: [], jellyfin: [] },
      problems: [],
    };
    for (const s of ready.statuses) if (s.last_error) run.problems.push(`${s.name}: ${s.last_error}`);
    const all = tracked(MAX_TRACKED);
    const hashes = [...all.movies.map((m) => m.hash), ...all.shows.map(showHash)];
    for (let c = 0; c < COUNT_CYCLES.qbittorrent; c++) {
      // qBittorrent: a tenth of the torrents moved since the last poll.
      for (let k = c % 10; k < hashes.length; k += 10) qb.setProgress(hashes[k]!, Math.min(0.99, 0.3 + 0.002 * (c + 1)));
      const mark = qb.log.count();
      const r = await peer.request<{ status: WatcherStatus; ms: number }>({ type: 'poke', name: 'qbittorrent/bench', advanceMs: QB_DEFAULT_S * 1000 }, 'poked');
      const d = requestsSince(qb.log, mark);
      run.cycles.qbittorrent.push(Object.values(d).reduce((a, b) => a + b, 0));
      addRoutes(run.routes.qbittorrent, d);
      run.cycleMs.qbittorrent.push(r.ms);
      if (r.status.last_error && c === COUNT_CYCLES.qbittorrent - 1) run.problems.push(`qbittorrent/bench: ${r.status.last_error}`);
      run.trackedTorrents = (r.status.detail?.tracked as number | undefined) ?? null;
    }
    const jfCycle = async (c: number): Promise<{ n: number; routes: Record<string, number>; ms: number; status: WatcherStatus }> => {
      // Jellyfin: one new (untracked) movie per poll interval.
      addMovie(jf, `Bench New Movie ${n}-${c}`, 2025, 8_500_000 + n * 1000 + c);
      const mark = jf.log.count();
      const r = await peer.request<{ status: WatcherStatus; ms: number }>({ type: 'poke', name: 'jellyfin', advanceMs: JF_DEFAULT_S * 1000 }, 'poked');
      const d = requestsSince(jf.log, mark);
      return { n: Object.values(d).reduce((a, b) => a + b, 0), routes: d, ms: r.ms, status: r.status };
    };
    for (let c = 0; c < JF_WARMUP_CYCLES; c++) {
      const x = await jfCycle(c);
      run.warmup.jellyfin.push(x.n);
      addRoutes(run.warmup.routes, x.routes);
    }
    for (let c = 0; c < COUNT_CYCLES.jellyfin; c++) {
      const x = await jfCycle(JF_WARMUP_CYCLES + c);
      run.cycles.jellyfin.push(x.n);
      addRoutes(run.routes.jellyfin, x.routes);
      run.cycleMs.jellyfin.push(x.ms);
      if (x.status.last_error && c === COUNT_CYCLES.jellyfin - 1) run.problems.push(`jellyfin: ${x.status.last_error}`);
    }
    return run;
  } finally {
    await finish(peer);
  }
}

async function requestsPerCycle(track: (p: Peer) => void): Promise<CountRun[]> {
  const qb = await FakeQbittorrent.start();
  const { jf, service } = await startJellyfin();
  try {
    stock(qb, jf);
    const out: CountRun[] = [];
    for (const n of COUNT_TRACKED) out.push(await countRun(n, qb, jf, service, track));
    return out;
  } finally {
    await qb.close();
    await jf.stop();
  }
}

export async function runWatchBench(opts: { samples: number; scenarios: ReadonlySet<WatchScenario>; track: (p: Peer) => void; progress: (s: string) => void }): Promise<WatchResults> {
  const t0 = performance.now();
  const res: WatchResults = { samples: opts.samples, clients: [], jf: null, counts: null, ms: 0 };
  if (opts.scenarios.has('requests-per-cycle')) {
    opts.progress(`requests per poll cycle, ${COUNT_TRACKED.join(' vs ')} tracked requests … `);
    res.counts = await requestsPerCycle(opts.track);
    opts.progress('done\n');
  }
  for (const path of CLIENT_PATHS) {
    if (!opts.scenarios.has(path.scenario)) continue;
    opts.progress(`${path.label} change → MQTT (${CLIENT_INTERVAL_S} s polling), ${opts.samples} samples … `);
    res.clients.push({ path, res: await clientLatency(path, opts.samples, opts.track) });
    opts.progress('done\n');
  }
  if (opts.scenarios.has('jellyfin-latency')) {
    opts.progress(`Jellyfin ItemAdded webhook → AVAILABLE, ${opts.samples} samples … `);
    res.jf = await jfLatency(opts.samples, opts.track);
    opts.progress('done\n');
  }
  res.ms = performance.now() - t0;
  return res;
}
