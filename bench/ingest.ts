/**
 * Webhook ingestion (run by run.ts): every configuration — {durable storage, storage disabled}
 * × stored requests — is a fresh tracker process (target.ts), the load generator another
 * (loadgen.ts); the measured slices are interleaved across the configurations so background
 * load on the machine hits them all alike.
 */
import { fork, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import type { PhaseResult, RunMessage } from './loadgen.js';
import { Peer } from './peer.js';
import type { Prepop } from './prepop.js';
import { fmt, fmtInt, summarise } from './stats.js';
import type { BenchConfig, Counters, ReadyMessage, Settle } from './target.js';

export type { BenchConfig } from './target.js';

/** Pre-population of the largest sizes takes minutes on a busy machine. */
const CONFIG_TIMEOUT_MS = 300_000;

export interface IngestOptions {
  configs: BenchConfig[];
  measured: number;
  warmup: number;
  concurrency: number;
  sliceSize: number;
  profileDir: string | null;
  track: (p: Peer) => void;
  progress: (s: string) => void;
}

export interface Result {
  config: BenchConfig;
  /** Jellyseerr notifications sent (warm-up + measured): the requests the webhooks should create. */
  createdExpected: number;
  prepop: Prepop;
  settle: Settle;
  warmup: { events: number; accepted: number; notAccepted: number; httpErrors: number };
  measure: {
    events: number;
    wallMs: number;
    eventsPerSec: number;
    p50: number;
    p90: number;
    p99: number;
    mean: number;
    max: number;
    byKind: Record<string, { n: number; p50: number; mean: number }>;
    accepted: number;
    notAccepted: number;
    httpErrors: number;
    samples: string[];
    cpuUsPerEvent: number;
    elu: number;
    gcMs: number;
    gcCount: number;
    journal: Counters['journal'];
    io: Counters['io'];
    /** Per measured slice (same index = same round, same webhooks in every configuration). */
    slices: { meanMs: number[]; p50Ms: number[]; p99Ms: number[]; eventsPerSec: number[]; cpuUsPerEvent: number[] };
    /** Durability wait per event (store.append → durable), ms. */
    storeWait: { mean: number; p50: number; p99: number } | null;
    heapUsedMB: number;
    requestsAfter: number;
    /** MQTT messages the `media/#` subscriber received for the measured webhooks. */
    mqttDelivered: number;
    /** Most messages waiting in the embedded broker's queue during the measured slices. */
    backlogMax: number;
  };
}

/**
 * A subscriber to `media/#` per tracker, as Home Assistant and the panel would be: the tracker
 * delivers every state, timeline, episodes and event message live. It only counts them.
 */
interface Listener {
  client: MqttClient;
  received: number;
  last: number;
}

async function listen(url: string): Promise<Listener> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, clientId: `bench-ingest-${process.pid}-${Math.random().toString(16).slice(2)}` });
  const l: Listener = { client, received: 0, last: Date.now() };
  client.on('message', () => {
    l.received++;
    l.last = Date.now();
  });
  await client.subscribeAsync('media/#', { qos: 0 });
  // The retained set is replayed on subscribe: wait until it has arrived.
  await quiet(l);
  return l;
}

/** Waits until the listener has received nothing for 300 ms (at most 120 s). */
async function quiet(l: Listener): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() - l.last < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

function startTarget(config: BenchConfig, profileDir: string | null): Peer {
  const withProfile = profileDir ? { ...config, profileFile: join(profileDir, `${config.name}.cpuprofile`) } : config;
  // 100k requests with their MQTT retained set need more than V8's default old space on small machines.
  const execArgv = ['--expose-gc', '--max-old-space-size=6144'];
  const child = fork(fileURLToPath(new URL('./target.js', import.meta.url)), [JSON.stringify(withProfile)], { execArgv, stdio: 'inherit' });
  return new Peer(config.name, child);
}

export async function runIngestBench(o: IngestOptions): Promise<Result[]> {
  const { configs, measured, warmup, concurrency, sliceSize, profileDir } = o;
  const results: Result[] = [];
  if (configs.length === 0) return results;
  const peers: Peer[] = [];
  const listeners = new Map<string, Listener>();
  const track = (p: Peer): Peer => {
    peers.push(p);
    o.track(p);
    return p;
  };
  try {
    // ---- The load generator: one process, separate from every tracker.
    const loadgen = track(new Peer('load generator', fork(fileURLToPath(new URL('./loadgen.js', import.meta.url)), [], { execArgv: [], stdio: 'inherit' })));
    await loadgen.request({ type: 'init', total: warmup + measured }, 'ready');

    // ---- Trackers: started and pre-populated one after the other, then all kept running.
    const ready = new Map<string, ReadyMessage>();
    const targets = new Map<string, Peer>();
    for (const c of configs) {
      o.progress(`${c.name}: starting a tracker and pre-populating ${fmtInt(c.stored)} requests … `);
      const peer = track(startTarget(c, profileDir));
      targets.set(c.name, peer);
      const r = await peer.request<ReadyMessage>(null, 'ready', CONFIG_TIMEOUT_MS);
      ready.set(c.name, r);
      const l = await listen(r.mqttUrl);
      listeners.set(c.name, l);
      o.progress(
        `${fmtInt(r.prepop.requests)} requests from ${fmtInt(r.prepop.events)} events in ${fmt(r.prepop.ms / 1000, 1)} s` +
          (r.settle.snapshotMs !== null ? `; snapshot ${fmtInt(r.settle.snapshotMs)} ms` : '') +
          `; ${fmtInt(l.received)} retained messages to a new subscriber` +
          '\n',
      );
    }

    const phase = (c: BenchConfig, name: string, from: number, to: number) => {
      const r = ready.get(c.name)!;
      const msg: RunMessage = { type: 'run', phase: name, url: r.url, secret: r.secret, concurrency, from, to };
      return loadgen.request<{ result: PhaseResult }>(msg as unknown as Record<string, unknown>, 'done').then((m) => m.result);
    };

    // The copies of the prepared data dirs (hundreds of MB at 100k) are still being written back:
    // flush them now, or that writeback would slow the journal's fsyncs during the measurement.
    spawnSync('sync');

    // ---- Warm-up, then the measured slices, interleaved so that background load on the
    // machine hits every configuration alike (the order rotates every round).
    const warm = new Map<string, PhaseResult>();
    for (const c of configs) warm.set(c.name, await phase(c, 'warmup', 0, warmup));
    const slices: Array<[number, number]> = [];
    for (let from = warmup; from < warmup + measured; from += sliceSize) slices.push([from, Math.min(from + sliceSize, warmup + measured)]);
    const parts = new Map<string, PhaseResult[]>(configs.map((c) => [c.name, []]));
    const sliceCpu = new Map<string, number[]>(configs.map((c) => [c.name, []]));
    // Messages delivered for the measured webhooks: counted from the first measured slice until the
    // subscriber has had nothing for 300 ms after the last (a delivery may lag behind the response).
    for (const l of listeners.values()) await quiet(l);
    const deliveredFrom = new Map([...listeners].map(([k, l]) => [k, l.received]));
    o.progress(`measuring ${slices.length} rounds `);
    for (let round = 0; round < slices.length; round++) {
      const [from, to] = slices[round]!;
      for (let k = 0; k < configs.length; k++) {
        const c = configs[(round + k) % configs.length]!;
        const peer = targets.get(c.name)!;
        await peer.request({ type: 'start' }, 'started');
        const res = await phase(c, `measure-${round}`, from, to);
        const { cpuUs } = await peer.request<{ cpuUs: number }>({ type: 'stop' }, 'stopped');
        parts.get(c.name)!.push(res);
        sliceCpu.get(c.name)!.push(cpuUs / res.sent);
      }
      o.progress('.');
    }
    o.progress(' done\n');

    for (const l of listeners.values()) await quiet(l);
    for (const l of listeners.values()) await l.client.endAsync(true);
    for (const c of configs) {
      const { counters } = await targets.get(c.name)!.request<{ counters: Counters }>({ type: 'finish' }, 'final', 120_000);
      const res = summariseConfig(c, ready.get(c.name)!, warm.get(c.name)!, parts.get(c.name)!, sliceCpu.get(c.name)!, counters);
      res.measure.mqttDelivered = listeners.get(c.name)!.received - deliveredFrom.get(c.name)!;
      results.push(res);
    }
    loadgen.child.send({ type: 'exit' });
    // Let the ingestion trackers finish (final snapshot, temp dir removed) before the next part.
    await Promise.all(peers.map((p) => p.waitExit(60_000)));
    return results;
  } finally {
    for (const l of listeners.values()) l.client.end(true);
    for (const p of peers) p.kill();
  }
}

function summariseConfig(c: BenchConfig, r: ReadyMessage, w: PhaseResult, ps: PhaseResult[], sliceCpu: number[], counters: Counters): Result {
  const latencies = ps.flatMap((p) => p.latenciesMs);
  const kinds = ps.flatMap((p) => p.kinds);
  const wallMs = ps.reduce((a, p) => a + p.wallMs, 0);
  const groups = new Map<string, number[]>();
  kinds.forEach((k, i) => {
    groups.set(k, [...(groups.get(k) ?? []), latencies[i]!]);
  });
  const byKind: Result['measure']['byKind'] = {};
  for (const [k, xs] of groups) {
    const s = summarise(xs);
    byKind[k] = { n: xs.length, p50: s.p50, mean: s.mean };
  }
  const waits = counters.append?.waitMs ?? null;
  const ws = waits?.length ? summarise(waits) : null;
  const perSlice = ps.map((p) => summarise(p.latenciesMs));
  return {
    config: c,
    createdExpected: [...w.kinds, ...kinds].filter((k) => k === 'jellyseerr-new').length,
    prepop: r.prepop,
    settle: r.settle,
    warmup: { events: w.sent, accepted: w.accepted, notAccepted: w.notAccepted, httpErrors: w.httpErrors },
    measure: {
      events: latencies.length,
      wallMs,
      eventsPerSec: (latencies.length / wallMs) * 1000,
      ...summarise(latencies),
      byKind,
      accepted: ps.reduce((a, p) => a + p.accepted, 0),
      notAccepted: ps.reduce((a, p) => a + p.notAccepted, 0),
      httpErrors: ps.reduce((a, p) => a + p.httpErrors, 0),
      samples: [...w.samples, ...ps.flatMap((p) => p.samples)].slice(0, 5),
      cpuUsPerEvent: counters.cpuUs / latencies.length,
      elu: counters.eluTotalMs > 0 ? counters.eluActiveMs / counters.eluTotalMs : NaN,
      gcMs: counters.gcMs,
      gcCount: counters.gcCount,
      journal: counters.journal,
      io: counters.io,
      storeWait: ws ? { mean: ws.mean, p50: ws.p50, p99: ws.p99 } : null,
      slices: {
        meanMs: perSlice.map((x) => x.mean),
        p50Ms: perSlice.map((x) => x.p50),
        p99Ms: perSlice.map((x) => x.p99),
        eventsPerSec: ps.map((p) => (p.sent / p.wallMs) * 1000),
        cpuUsPerEvent: sliceCpu,
      },
      heapUsedMB: counters.heapUsedMB,
      requestsAfter: counters.requestsAfter,
      mqttDelivered: 0,
      backlogMax: counters.backlogMax,
    },
  };
}
