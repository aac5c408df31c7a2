/**
 * One benchmark configuration, in its own process (started by run.ts): a real tracker
 * (HTTP, engine, store, embedded MQTT broker) in a temp data dir, pre-populated in
 * process, settled, then driven over HTTP by the load generator (another process).
 *
 * IPC protocol with run.ts:
 *   child  → { type: 'ready', url, secret, prepop, settle }   after pre-population + settle
 *   parent → { type: 'start' } / child → { type: 'started' }  a measured slice begins
 *   parent → { type: 'stop' }  / child → { type: 'stopped', cpuUs }  it ended: counters accumulate
 *   parent → { type: 'finish' } / child → { type: 'final', counters }, then the temp dir is
 *            removed and the process exits (no graceful stop: the data is thrown away).
 */
import { cp, rm, stat, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { PerformanceObserver, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { Tracker } from '../src/app.js';
import { createLogger, setLogLevel } from '../src/log.js';
import { readSnapshot } from '../src/store/snapshot.js';
import type { Store } from '../src/store/store.js';
import type { JournalRecord } from '../src/store/types.js';
import { population } from './population.js';
import { BENCH_SECRET, benchOptions, prepopulate, storeOf, type Prepop } from './prepop.js';
import { scratchDir } from './scratch.js';

export type { Prepop } from './prepop.js';

export interface BenchConfig {
  name: string;
  durable: boolean;
  stored: number;
  /** A data dir prepared with `stored` requests (bases.ts); the tracker starts from a copy of it. */
  base?: string;
  /** How that data dir was filled (reported, not redone). */
  prepop?: Prepop;
  /** Write a CPU profile of the measured slices (pre-population excluded) to this file. */
  profileFile?: string;
  /** Watchable-time estimates off: the baseline of their cost (default on, as shipped). */
  estimates?: boolean;
}

export interface Settle {
  snapshotMs: number | null;
  snapshotBytes: number | null;
}

export interface ReadyMessage {
  type: 'ready';
  url: string;
  mqttUrl: string;
  secret: string;
  prepop: Prepop;
  settle: Settle;
}

/** Tracker-side counters summed over the measured slices. */
export interface Counters {
  cpuUs: number;
  /** Event-loop active time and total time (utilisation = active / total). */
  eluActiveMs: number;
  eluTotalMs: number;
  gcMs: number;
  gcCount: number;
  journal: { batches: number; records: number; bytes: number; failedBatches: number };
  /** Journal file handle: write() and datasync() wall time; null when not reachable. */
  io: { writes: number; writeMs: number; syncs: number; syncMs: number } | null;
  /** store.append() → promise settled: the durability wait of each event. */
  append: { n: number; waitMs: number[] } | null;
  heapUsedMB: number;
  requestsAfter: number;
  /** Most messages waiting in the embedded broker's queue during the measured slices (sampled every 10 ms). */
  backlogMax: number;
  engine: { applied: number; duplicates: number; ignored: number };
}

type JournalProbe = { journal?: { file?: { handle?: Record<string, unknown> } | null } };

/** Times write() and datasync() of the journal's current file handle (null if unreachable). */
function instrumentJournal(store: Store | null): Counters['io'] {
  const handle = (store as unknown as JournalProbe | null)?.journal?.file?.handle;
  if (!handle || typeof handle.write !== 'function' || typeof handle.datasync !== 'function') return null;
  const io = { writes: 0, writeMs: 0, syncs: 0, syncMs: 0 };
  const write = (handle.write as (...a: unknown[]) => Promise<unknown>).bind(handle);
  const datasync = (handle.datasync as () => Promise<void>).bind(handle);
  handle.write = async (...args: unknown[]) => {
    const t = performance.now();
    try {
      return await write(...args);
    } finally {
      io.writes++;
      io.writeMs += performance.now() - t;
    }
  };
  handle.datasync = async () => {
    const t = performance.now();
    try {
      return await datasync();
    } finally {
      io.syncs++;
      io.syncMs += performance.now() - t;
    }
  };
  return io;
}

/** The prepared requests, loaded into a tracker whose storage is disabled, and published. */
async function loadInMemory(tracker: Tracker, base: string): Promise<void> {
  const snap = await readSnapshot(base);
  if (!snap) throw new Error(`${base} holds no snapshot`);
  tracker.engine.load(snap.data.requests, [], snap.data.lastSeq);
  for (const r of tracker.engine.requests()) tracker.publisher.publishRequest(r);
}

/** Times every store.append() from the call to its promise settling. */
function instrumentAppend(store: Store | null): { waits: number[] } | null {
  if (!store) return null;
  const waits: number[] = [];
  const append = store.append.bind(store);
  store.append = (record: JournalRecord): Promise<void> => {
    const t = performance.now();
    const p = append(record);
    const done = () => void waits.push(performance.now() - t);
    p.then(done, done);
    return p;
  };
  return { waits };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as BenchConfig;
  setLogLevel('error');
  let tracker: Tracker | null = null;
  const { dir: dataDir, shutdown, exitOnDisconnect } = await scratchDir('media-tracker-bench-', () => tracker);
  let shift = 0;
  const clock = () => new Date(Date.now() - shift);
  tracker = new Tracker({ options: benchOptions(dataDir), durable: config.durable, host: '127.0.0.1', log: createLogger('bench'), clock, estimates: config.estimates !== false });
  try {
    // A durable tracker starts on a copy of the prepared data dir, as after a restart.
    if (config.base && config.durable) await cp(config.base, dataDir, { recursive: true });
    await tracker.start();
    const store = storeOf(tracker);
    let prepop: Prepop;
    if (config.base && config.prepop) {
      prepop = config.prepop;
      // Storage disabled reads nothing: the same requests go into the engine directly, then to MQTT.
      if (!config.durable) await loadInMemory(tracker, config.base);
    } else {
      prepop = await prepopulate(tracker, population(config.stored), (ms) => (shift = ms));
    }

    // ---- Settle: HA retention sweep, a fresh snapshot (timed), MQTT queue drained, heap collected.
    tracker.publisher.sweepRetention();
    const settle: Settle = { snapshotMs: null, snapshotBytes: null };
    if (config.durable && store) {
      const capture = () => ({ lastSeq: tracker.engine.lastSeq, requests: [...tracker.engine.index.values()] });
      const ts = performance.now();
      await store.snapshot(capture);
      settle.snapshotMs = performance.now() - ts;
      settle.snapshotBytes = (await stat(join(dataDir, 'snapshot.json')).catch(() => null))?.size ?? null;
    }
    await tracker.broker.publishAndWait('media/bench/settle', '1', { retain: false, qos: 0 });
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    await new Promise((r) => setTimeout(r, 200));
    gc?.();

    // ---- Instrumentation (counted only inside measured slices).
    const io = config.durable ? instrumentJournal(store) : null;
    const append = config.durable ? instrumentAppend(store) : null;
    const totals: Counters = {
      cpuUs: 0,
      eluActiveMs: 0,
      eluTotalMs: 0,
      gcMs: 0,
      gcCount: 0,
      journal: { batches: 0, records: 0, bytes: 0, failedBatches: 0 },
      io: io ? { writes: 0, writeMs: 0, syncs: 0, syncMs: 0 } : null,
      append: append ? { n: 0, waitMs: [] } : null,
      heapUsedMB: 0,
      requestsAfter: 0,
      engine: { applied: 0, duplicates: 0, ignored: 0 },
      backlogMax: 0,
    };
    const sampler = setInterval(() => {
      if (measuring) totals.backlogMax = Math.max(totals.backlogMax, tracker.broker.backlog);
    }, 10);
    sampler.unref();
    let measuring = false;
    const obs = new PerformanceObserver((list) => {
      if (!measuring) return;
      for (const e of list.getEntries()) {
        totals.gcMs += e.duration;
        totals.gcCount++;
      }
    });
    obs.observe({ entryTypes: ['gc'] });

    let at: {
      cpu: NodeJS.CpuUsage;
      elu: EventLoopUtilization;
      journal: Counters['journal'];
      io: NonNullable<Counters['io']> | null;
      appendIndex: number;
      engine: Counters['engine'];
    } | null = null;
    const journalStats = () => {
      const s = store?.stats;
      return { batches: s?.batches ?? 0, records: s?.records ?? 0, bytes: s?.bytes ?? 0, failedBatches: s?.failedBatches ?? 0 };
    };

    let profiler: Session | null = null;
    process.on('message', async (raw: unknown) => {
      const msg = raw as { type: string };
      if (msg.type === 'start') {
        if (config.profileFile && !profiler) {
          profiler = new Session();
          profiler.connect();
          await profiler.post('Profiler.enable');
          await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
          await profiler.post('Profiler.start');
        }
        at = {
          cpu: process.cpuUsage(),
          elu: performance.eventLoopUtilization(),
          journal: journalStats(),
          io: io ? { ...io } : null,
          appendIndex: append?.waits.length ?? 0,
          engine: { ...tracker.engine.stats },
        };
        measuring = true;
        process.send!({ type: 'started' });
      } else if (msg.type === 'stop' && at) {
        const elu = performance.eventLoopUtilization(at.elu);
        const cpu = process.cpuUsage(at.cpu);
        const sliceCpuUs = cpu.user + cpu.system;
        totals.cpuUs += sliceCpuUs;
        totals.eluActiveMs += elu.active;
        totals.eluTotalMs += elu.idle + elu.active;
        const j = journalStats();
        for (const k of ['batches', 'records', 'bytes', 'failedBatches'] as const) totals.journal[k] += j[k] - at.journal[k];
        if (io && at.io && totals.io) for (const k of ['writes', 'writeMs', 'syncs', 'syncMs'] as const) totals.io[k] += io[k] - at.io[k];
        if (append && totals.append) {
          const w = append.waits.slice(at.appendIndex);
          totals.append.n += w.length;
          totals.append.waitMs.push(...w);
        }
        for (const k of ['applied', 'duplicates', 'ignored'] as const) totals.engine[k] += tracker.engine.stats[k] - at.engine[k];
        at = null;
        // GC entries are delivered asynchronously: let them arrive before closing the slice.
        setImmediate(() => {
          measuring = false;
          process.send!({ type: 'stopped', cpuUs: sliceCpuUs });
        });
      } else if (msg.type === 'finish') {
        obs.disconnect();
        if (profiler && config.profileFile) {
          const { profile } = await profiler.post('Profiler.stop');
          await writeFile(config.profileFile, JSON.stringify(profile));
          profiler.disconnect();
        }
        clearInterval(sampler);
        totals.heapUsedMB = process.memoryUsage().heapUsed / 1_048_576;
        totals.requestsAfter = tracker.engine.index.size;
        // No graceful stop: its final snapshot (seconds at 100k requests) would only be thrown away.
        process.send!({ type: 'final', counters: totals }, () => {
          void rm(dataDir, { recursive: true, force: true }).finally(() => process.exit(0));
        });
      }
    });
    exitOnDisconnect();

    const ready: ReadyMessage = { type: 'ready', url: tracker.endpoints.webhookUrl, mqttUrl: tracker.endpoints.mqttUrl, secret: BENCH_SECRET, prepop, settle };
    process.send!(ready);
  } catch (err) {
    await shutdown();
    throw err;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench target failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
