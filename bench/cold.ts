/**
 * Cold start and idle (run by run.ts): a data dir with 10,000 requests and ~100,000 episodes
 * is prepared once by a tracker process (cold-target.ts `prepare`); then, for each run, a copy
 * of it is started by a fresh process (`start`) and an mqtt.js subscriber connects to the
 * embedded broker as soon as the tracker reports its port, subscribing to `#` (QoS 0).
 *
 * "All retained topics published" = that fresh subscriber has received every retained topic
 * the tracker holds after `start()`; the clock runs from the parent's `fork()` to that moment.
 * Then its view is checked against the tracker's own retained set (topic → payload digest).
 *
 * Idle: the last run's process is left alone for a window (the subscriber stays connected, as
 * Home Assistant would), its CPU time taken inside and its resident set sampled from /proc
 * every second.
 */
import { fork } from 'node:child_process';
import { cp, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import type { Base } from './bases.js';
import type { ColdStarted, IdleStopped } from './cold-target.js';
import { Peer } from './peer.js';
import type { PopulationSpec } from './prepare-target.js';
import type { Prepop } from './prepop.js';
import { epoch, sha1, vmKB } from './proc.js';

export interface ColdRun {
  /** fork() → every retained topic received by the fresh subscriber, ms. */
  totalMs: number;
  /** fork() → main() (Node start-up and module loading), ms. */
  bootMs: number;
  /** main() → engine loaded (snapshot read and parsed, journal replayed), ms. */
  loadMs: number;
  /** engine loaded → `start()` resolved (broker, publish of the retained set, HTTP), ms. */
  startMs: number;
  /** `start()` resolved → the subscriber has every topic (connect, subscribe, delivery), ms. */
  deliverMs: number;
  topics: number;
  requests: number;
  direct: { stored: number; dropped: number };
  /** Peak resident set of the tracker process when the subscriber had everything, MB. */
  peakRssMB: number | null;
  /** Topics whose payload at the subscriber differs from the tracker's (or is missing). */
  mismatches: number;
}

export interface IdleResult {
  seconds: number;
  cpuPct: number;
  rssMeanMB: number;
  rssMaxMB: number;
  heapMB: number;
  /** After the window: heap and resident set once full GCs ran (what is not start-up garbage), MB. */
  afterGc: { heapMB: number; rssMB: number };
  elu: number;
  publishes: number;
  /** Peak resident set over the process's life (cold start included), MB. */
  lifePeakMB: number | null;
}

export interface ColdResult {
  spec: PopulationSpec;
  requests: number;
  episodes: number;
  prepop: Prepop;
  /** Size of the snapshot the tracker reads at start, MiB (null: none). */
  snapshotMiB: number | null;
  runs: ColdRun[];
  idle: IdleResult | null;
  problems: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The promise's value, or NaN after `ms` (the timer does not outlive the answer). */
function within(p: Promise<number>, ms: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<number>((r) => (timer = setTimeout(() => r(NaN), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
const script = () => fileURLToPath(new URL('./cold-target.js', import.meta.url));

/** A subscriber to `#` that keeps the latest payload per topic and resolves when `want` are all in. */
async function subscribe(url: string, want: ReadonlySet<string>): Promise<{ latest: Map<string, string>; all: Promise<number>; close: () => Promise<void> }> {
  const latest = new Map<string, string>();
  let missing = want.size;
  let resolveAll!: (at: number) => void;
  const all = new Promise<number>((r) => (resolveAll = r));
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, clientId: `bench-cold-${process.pid}-${Date.now()}` });
  client.on('message', (topic, payload) => {
    const had = latest.has(topic);
    const text = payload.toString();
    if (text === '') latest.delete(topic);
    else latest.set(topic, text);
    if (!had && text !== '' && want.has(topic) && --missing === 0) resolveAll(epoch());
  });
  if (missing === 0) resolveAll(epoch());
  await client.subscribeAsync('#', { qos: 0 });
  return { latest, all, close: () => client.endAsync(true) };
}

/** Topics whose payload differs between the tracker's retained set and the subscriber's view. */
async function compare(peer: Peer, latest: Map<string, string>): Promise<number> {
  let bad = Infinity;
  for (let attempt = 0; attempt < 10 && bad > 0; attempt++) {
    if (attempt) await sleep(300); // messages still in flight
    const { entries } = await peer.request<{ entries: Array<[string, string]> }>({ type: 'digest' }, 'digest', 30_000);
    bad = entries.filter(([t, d]) => latest.get(t) === undefined || sha1(latest.get(t)!) !== d).length;
  }
  return bad;
}

/** A tracker process started on a copy of `base` (or an empty dir), measured until a fresh subscriber has everything. */
interface Started {
  peer: Peer;
  run: ColdRun;
  close(): Promise<void>;
}

async function coldStart(name: string, base: string | null, track: (p: Peer) => void): Promise<Started> {
  const dir = await mkdtemp(join(tmpdir(), 'media-tracker-bench-cold-run-'));
  if (base) await cp(base, dir, { recursive: true });
  const spawnAt = epoch();
  // --expose-gc only serves the 'collect' request, sent after every measurement of the process.
  const peer = new Peer(name, fork(script(), [dir], { execArgv: ['--expose-gc'], stdio: 'inherit' }));
  track(peer);
  let sub: Awaited<ReturnType<typeof subscribe>> | null = null;
  const close = async () => {
    await sub?.close().catch(() => undefined);
    // The copy is thrown away: no graceful stop (its final snapshot would only cost time).
    peer.kill();
    await peer.waitExit(10_000);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const s = await peer.request<ColdStarted>(null, 'started', 120_000);
    sub = await subscribe(s.mqttUrl, new Set(s.topics));
    const doneAt = await within(sub.all, 120_000);
    const hwm = vmKB('VmHWM', peer.child.pid!);
    const run: ColdRun = {
      totalMs: doneAt - spawnAt,
      bootMs: s.marks.main - spawnAt,
      loadMs: s.marks.loaded - s.marks.main,
      startMs: s.marks.started - s.marks.loaded,
      deliverMs: doneAt - s.marks.started,
      topics: s.topics.length,
      requests: s.requests,
      direct: s.direct,
      peakRssMB: hwm === null ? null : hwm / 1024,
      mismatches: await compare(peer, sub.latest),
    };
    return { peer, run, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Both processes idle side by side (they barely use the CPU), so they see the same machine. */
async function idleWindow(targets: Started[], seconds: number): Promise<IdleResult[]> {
  await sleep(3000); // let start-up work (the first stuck-monitor cycle, GC) settle
  await Promise.all(targets.map((t) => t.peer.request({ type: 'idle-start' }, 'idle-started')));
  const rss = targets.map(() => [] as number[]);
  for (let i = 0; i < seconds; i++) {
    await sleep(1000);
    targets.forEach((t, k) => {
      const kb = vmKB('VmRSS', t.peer.child.pid!);
      if (kb !== null) rss[k]!.push(kb / 1024);
    });
  }
  const stopped = await Promise.all(targets.map((t) => t.peer.request<IdleStopped>({ type: 'idle-stop' }, 'idle-stopped')));
  const collected: Array<{ heapMB: number; rssMB: number }> = [];
  for (const t of targets) collected.push(await t.peer.request<{ heapMB: number; rssMB: number }>({ type: 'collect' }, 'collected'));
  return targets.map((t, k) => {
    const st = stopped[k]!;
    const life = vmKB('VmHWM', t.peer.child.pid!);
    const xs = rss[k]!;
    return {
      seconds,
      cpuPct: (st.cpuUs / (seconds * 1e6)) * 100,
      rssMeanMB: xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length),
      rssMaxMB: Math.max(...xs),
      heapMB: st.heapMB,
      afterGc: { heapMB: collected[k]!.heapMB, rssMB: collected[k]!.rssMB },
      elu: st.elu,
      publishes: st.publishes,
      lifePeakMB: life === null ? null : life / 1024,
    };
  });
}

export interface ColdBench {
  loaded: ColdResult;
  /** The same measurements with an empty data dir: the fixed cost of a tracker. */
  empty: ColdResult;
}

export async function runColdBench(opts: { base: Base; spec: PopulationSpec; runs: number; idleS: number; track: (p: Peer) => void; progress: (s: string) => void }): Promise<ColdBench> {
  const prep = opts.base;
  opts.progress(`cold start: ${opts.spec.stored.toLocaleString('en-US')} requests, ${prep.episodes.toLocaleString('en-US')} episodes, ${opts.runs} runs `);
  const none: Prepop = { events: 0, accepted: 0, notAccepted: 0, ms: 0, requests: 0, snapshotsDuring: 0 };
  const snapshotMiB = ((await stat(join(prep.dir, 'snapshot.json')).catch(() => null))?.size ?? NaN) / 1_048_576;
  const loaded: ColdResult = {
    spec: opts.spec,
    requests: 0,
    episodes: prep.episodes,
    prepop: prep.prepop,
    snapshotMiB: Number.isFinite(snapshotMiB) ? snapshotMiB : null,
    runs: [],
    idle: null,
    problems: [],
  };
  const empty: ColdResult = { spec: { stored: 0 }, requests: 0, episodes: 0, prepop: none, snapshotMiB: null, runs: [], idle: null, problems: [] };
  const check = (res: ColdResult, label: string, r: ColdRun, i: number) => {
    res.runs.push(r);
    res.requests = r.requests;
    if (!Number.isFinite(r.totalMs)) res.problems.push(`${label} run ${i + 1}: the subscriber did not receive every retained topic within 120 s`);
    if (r.mismatches > 0) res.problems.push(`${label} run ${i + 1}: ${r.mismatches} retained topics differ between the tracker and a fresh subscriber`);
  };
  // Alternating empty / loaded, so background load on the machine hits both alike.
  for (let i = 0; i < opts.runs; i++) {
    const last = i === opts.runs - 1 && opts.idleS > 0;
    const e = await coldStart('cold start (empty)', null, opts.track);
    check(empty, 'empty', e.run, i);
    if (!last) await e.close();
    let l: Started;
    try {
      l = await coldStart('cold start', prep.dir, opts.track);
    } catch (err) {
      await e.close();
      throw err;
    }
    check(loaded, 'loaded', l.run, i);
    if (last) {
      opts.progress(`(idle ${opts.idleS} s) `);
      try {
        const [ie, il] = await idleWindow([e, l], opts.idleS);
        empty.idle = ie ?? null;
        loaded.idle = il ?? null;
      } finally {
        await e.close();
        await l.close();
      }
    } else {
      await l.close();
    }
    opts.progress('.');
  }
  opts.progress(' done\n');
  return { loaded, empty };
}
